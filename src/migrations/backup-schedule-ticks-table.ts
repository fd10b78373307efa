import type { Kysely, Migration } from 'kysely';
import type { AnyDB } from '../db/any-kysely.js';

/**
 * One row per scheduled-backup tick that a `serve` replica claimed (server/schedule/): the
 * primary key lets exactly one replica take each tick. The tool's own table: never backed up,
 * restored or reset; rows older than a week are purged as new ticks are claimed.
 */
export const BACKUP_SCHEDULE_TICKS_TABLE = 'foodfleet_seed_backup_schedule_ticks';

export const backupScheduleTicksTable: Migration = {
  async up(db: Kysely<AnyDB>) {
    await db.schema
      .createTable(BACKUP_SCHEDULE_TICKS_TABLE)
      .ifNotExists()
      .addColumn('tick', 'timestamptz', (c) => c.primaryKey())
      .addColumn('claimed_by', 'varchar(255)', (c) => c.notNull())
      .addColumn('claimed_at', 'timestamptz', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<AnyDB>) {
    await db.schema.dropTable(BACKUP_SCHEDULE_TICKS_TABLE).ifExists().execute();
  },
};
