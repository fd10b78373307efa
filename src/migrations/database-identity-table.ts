import { sql, type Kysely, type Migration } from 'kysely';

/** Where this database's identity is kept (see src/tracking/database-identity.ts). */
export const IDENTITY_TABLE = 'foodfleet_seed_database_identity';

/**
 * One row: the identity backups of this database carry in their manifests, and what the database
 * was when it was minted (name, oid, cluster) — a clone copies the row but not those, which is how
 * it is told apart. A tool table: never backed up, restored or reset. A role that may not create
 * tables in the schema gets none (every command applies this migration, and must not fail for
 * it): its backups then carry no identity, as before; database-identity.ts creates the table
 * later if the role gains the right.
 */
export function databaseIdentityTable(schema: string): Migration {
  return {
    async up(db) {
      if (await mayCreateTables(db, schema)) await createIdentityTable(db);
    },
  };
}

/** Whether the connected role may create tables in `schema`. */
export async function mayCreateTables(db: Kysely<unknown>, schema: string): Promise<boolean> {
  const { rows } = await sql<{
    allowed: boolean;
  }>`select pg_catalog.has_schema_privilege(${schema}, 'CREATE') as allowed`.execute(db);
  return rows[0]?.allowed === true;
}

/** `db` has the tool's schema applied (withSchema), as the migrator's and Database.kysely do. */
export async function createIdentityTable(db: Kysely<unknown>): Promise<void> {
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
}
