import { sql } from 'kysely';
import type { Database } from '../../db/database.js';
import { BACKUP_SCHEDULE_TICKS_TABLE } from '../../migrations/backup-schedule-ticks-table.js';

/** Claimed ticks are kept this long (what `select … from foodfleet_seed_backup_schedule_ticks` shows). */
const KEEP_DAYS = 7;

/**
 * Scheduled-backup ticks claimed in PostgreSQL: of all `serve` replicas on the database, the
 * one whose insert creates the tick's row takes it. The run lock alone would not do: a small
 * backup finishes before another replica even tries, which would then take a second one.
 */
export class TickClaims {
  readonly #database: Database;
  readonly #replica: string;

  constructor(database: Database, replica: string) {
    this.#database = database;
    this.#replica = replica;
  }

  /** True when this replica got the tick; also forgets claims older than a week. */
  async claim(tick: Date): Promise<boolean> {
    const table = sql.id(this.#database.schema, BACKUP_SCHEDULE_TICKS_TABLE);
    const { rows } = await sql<{ tick: Date }>`
      insert into ${table} (tick, claimed_by, claimed_at) values (${tick}, ${this.#replica}, now())
      on conflict (tick) do nothing
      returning tick
    `.execute(this.#database.kysely);
    await sql`delete from ${table} where tick < now() - make_interval(days => ${KEEP_DAYS})`.execute(
      this.#database.kysely,
    );
    return rows.length === 1;
  }
}
