import { type Migration, sql } from 'kysely';
import { optionalToolTable } from './optional-tool-table.js';

/**
 * What bulk upserts remember between runs (see seeding/upsert-memo.ts); the tool's own, never
 * backed up. Only an optimization: a role that may not create tables in the schema gets none,
 * and its bulk upserts check every row as before instead of failing the run.
 */
export const MEMO_TABLE = 'foodfleet_seed_upsert_memos';

export function upsertMemos(schema: string): Migration {
  return optionalToolTable(schema, MEMO_TABLE, (table) =>
    table
      .addColumn('seeder', 'text', (c) => c.notNull())
      .addColumn('call', 'text', (c) => c.notNull())
      .addColumn('input_digest', 'text', (c) => c.notNull())
      .addColumn('row_versions', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint(`${MEMO_TABLE}_pkey`, ['seeder', 'call']),
  );
}
