import { type Migration, sql } from 'kysely';
import { optionalToolTable } from './optional-tool-table.js';

/**
 * The super-admin hashes the seeder itself wrote from the published default password, so a
 * re-run can tell "still the default" by comparing strings instead of paying a cost-12 bcrypt
 * (≈ 0.3 s) every run (see seeds/default-password.ts). The tool's own, never backed up. Only an
 * optimization: a role that may not create tables in the schema gets none, and every run
 * compares with bcrypt as before.
 */
export const DEFAULT_PASSWORD_TABLE = 'foodfleet_seed_default_password_hashes';

export function defaultPasswordHashes(schema: string): Migration {
  return optionalToolTable(schema, DEFAULT_PASSWORD_TABLE, (table) =>
    table
      .addColumn('email', 'text', (c) => c.primaryKey())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`)),
  );
}
