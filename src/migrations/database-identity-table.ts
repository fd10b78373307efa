import { sql, type Migration } from 'kysely';

/** Where this database's identity is kept (see src/tracking/database-identity.ts). */
export const IDENTITY_TABLE = 'foodfleet_seed_database_identity';

/**
 * One row: the identity backups of this database carry in their manifests, and what the database
 * was when it was minted (name, oid, cluster) — a clone copies the row but not those, which is how
 * it is told apart. A tool table: never backed up, restored or reset.
 */
export const databaseIdentityTable: Migration = {
  async up(db) {
    await db.schema
      .createTable(IDENTITY_TABLE)
      .ifNotExists()
      .addColumn('singleton', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`singleton`))
      .addColumn('identity', 'uuid', (c) => c.notNull())
      .addColumn('database_name', 'text', (c) => c.notNull())
      .addColumn('database_oid', 'text', (c) => c.notNull())
      .addColumn('system_identifier', 'text')
      .addColumn('minted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
};
