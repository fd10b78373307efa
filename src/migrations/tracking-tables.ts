import { sql, type Kysely, type Migration } from 'kysely';
import type { AnyDB } from '../db/any-kysely.js';

/** The tool's own audit table: any command may create it; it is never backed up or reset. */
export const trackingTables: Migration = {
  async up(db: Kysely<AnyDB>) {
    await db.schema
      .createTable('seeder_executions')
      .ifNotExists()
      .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      .addColumn('command', 'varchar(32)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) =>
        c.notNull().check(sql`status in ('pending','running','completed','failed')`),
      )
      .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('finished_at', 'timestamptz')
      .addColumn('duration_ms', 'integer')
      .addColumn('triggered_by', 'varchar(255)', (c) => c.notNull())
      .addColumn('source', 'varchar(16)', (c) => c.notNull())
      .addColumn('user_id', 'integer')
      .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('results', 'json')
      .addColumn('error_message', 'text')
      .addColumn('error_stack', 'text')
      .addColumn('backup_key', 'text')
      .addColumn('backup_size', 'bigint')
      .addColumn('backup_sha256', 'varchar(64)')
      .addColumn('backup_status', 'varchar(16)')
      .addColumn('backup_error', 'text')
      .addColumn('backup_tables', 'json')
      .addColumn('restored_key', 'text')
      .execute();
    await db.schema
      .createIndex('seeder_executions_status_idx')
      .ifNotExists()
      .on('seeder_executions')
      .column('status')
      .execute();
  },
};
