import type { Kysely, Migration } from 'kysely';
import type { AnyDB } from '../db/any-kysely.js';

/**
 * Failed-login counters shared by every `serve` replica on the database (see
 * server/auth/login-throttle.ts). The tool's own table: never backed up, restored or reset.
 * Keys are digests, so neither an email nor a client address is stored.
 */
export const LOGIN_THROTTLE_TABLE = 'foodfleet_seed_login_throttle';

export const loginThrottleTable: Migration = {
  async up(db: Kysely<AnyDB>) {
    await db.schema
      .createTable(LOGIN_THROTTLE_TABLE)
      .ifNotExists()
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex(`${LOGIN_THROTTLE_TABLE}_expires_idx`)
      .ifNotExists()
      .on(LOGIN_THROTTLE_TABLE)
      .column('expires_at')
      .execute();
  },
  async down(db: Kysely<AnyDB>) {
    await db.schema.dropTable(LOGIN_THROTTLE_TABLE).ifExists().execute();
  },
};
