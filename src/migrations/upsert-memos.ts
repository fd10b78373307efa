import { sql, type Kysely, type Migration } from 'kysely';
import type { AnyDB } from '../db/any-kysely.js';

/**
 * What bulk upserts remember between runs (see seeding/upsert-memo.ts); the tool's own, never
 * backed up. Only an optimization: a role that may not create tables in the schema gets none,
 * and its bulk upserts check every row as before instead of failing the run.
 */
export const MEMO_TABLE = 'foodfleet_seed_upsert_memos';

export function upsertMemos(schema: string): Migration {
  return {
    async up(db: Kysely<AnyDB>) {
      const { rows } = await sql<{
        allowed: boolean;
      }>`select pg_catalog.has_schema_privilege(${schema}, 'CREATE') as allowed`.execute(db);
      if (rows[0]?.allowed !== true) return;
      await db.schema
        .createTable(MEMO_TABLE)
        .ifNotExists()
        .addColumn('seeder', 'text', (c) => c.notNull())
        .addColumn('call', 'text', (c) => c.notNull())
        .addColumn('input_digest', 'text', (c) => c.notNull())
        .addColumn('row_versions', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint(`${MEMO_TABLE}_pkey`, ['seeder', 'call'])
        .execute();
    },
    async down(db: Kysely<AnyDB>) {
      await db.schema.dropTable(MEMO_TABLE).ifExists().execute();
    },
  };
}
