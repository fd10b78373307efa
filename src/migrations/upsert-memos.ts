import { sql, type Kysely, type Migration } from 'kysely';

/** What bulk upserts remember between runs (see seeding/upsert-memo.ts); the tool's own, never backed up. */
export const upsertMemos: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('foodfleet_seed_upsert_memos').ifNotExists()
      .addColumn('seeder', 'text', (c) => c.notNull())
      .addColumn('call', 'text', (c) => c.notNull())
      .addColumn('input_digest', 'text', (c) => c.notNull())
      .addColumn('row_versions', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('foodfleet_seed_upsert_memos_pkey', ['seeder', 'call'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('foodfleet_seed_upsert_memos').ifExists().execute();
  },
};
