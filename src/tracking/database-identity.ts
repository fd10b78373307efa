import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import { qualified } from '../db/quote.js';
import {
  createIdentityTable,
  IDENTITY_TABLE,
  mayCreateTables,
} from '../migrations/database-identity-table.js';
import { migrateTracking } from '../migrations/migrate.js';

/** What tells two databases apart even when one was cloned from the other with all its tables. */
interface Whereabouts {
  name: string;
  oid: string;
  /** The cluster's `system_identifier`; null where the role may not read it. */
  system: string | null;
}

interface IdentityRow {
  identity: string;
  database_name: string;
  database_oid: string;
  system_identifier: string | null;
}

/** Who took a backup: recorded in its manifest. */
export interface DatabaseIdentity {
  /** A UUID minted for this database. */
  id: string;
  /** `current_database()`, for people reading a listing. */
  name: string;
}

/**
 * This database's own identity (a UUID), recorded in every backup's manifest so that databases
 * sharing a store and prefix never take each other's backup for their own. Kept in a tool table
 * that restore never touches, with the database's name, oid and cluster: a database cloned with
 * its tables (`CREATE DATABASE … TEMPLATE`, a whole dump restored elsewhere) carries the row but
 * not those, and gets an identity of its own the first time it is asked. Applies the tool's
 * tracking migrations first (every command does anyway).
 *
 * Null when the role may neither create the table nor keep the identity in it: its backups then
 * carry no identity and "latest" is chosen as before identities existed.
 */
export async function databaseIdentity(database: Database): Promise<DatabaseIdentity | null> {
  await migrateTracking(database);
  if (!(await ensureTable(database))) return null;
  try {
    return await readOrMint(database);
  } catch (error) {
    if ((error as { code?: string }).code === INSUFFICIENT_PRIVILEGE) return null;
    throw error;
  }
}

const INSUFFICIENT_PRIVILEGE = '42501';

/** The migration skips the table for a role that may not create it: create it once the role may. */
async function ensureTable(database: Database): Promise<boolean> {
  const { rows } = await sql<{ present: boolean }>`
    select to_regclass(${qualified(database.schema, IDENTITY_TABLE)}) is not null as present`.execute(
    database.kysely,
  );
  if (rows[0]?.present) return true;
  if (!(await mayCreateTables(database.kysely, database.schema))) return false;
  await createIdentityTable(database.kysely);
  return true;
}

async function readOrMint(database: Database): Promise<DatabaseIdentity> {
  const table = sql.id(database.schema, IDENTITY_TABLE);
  const here = await whereabouts(database);
  for (let attempt = 0; attempt < 3; attempt++) {
    const { rows } = await sql<IdentityRow>`
      select identity::text as identity, database_name, database_oid, system_identifier
      from ${table} where singleton`.execute(database.kysely);
    const row = rows[0];
    if (row && isHere(row, here)) return { id: row.identity, name: here.name };
    // First use, or a clone: mint. The condition makes two processes minting at once agree on one.
    const minted = randomUUID();
    const { rows: written } = await sql<{ identity: string }>`
      insert into ${table} as existing (singleton, identity, database_name, database_oid, system_identifier)
      values (true, ${minted}::uuid, ${here.name}, ${here.oid}, ${here.system})
      on conflict (singleton) do update
        set identity = excluded.identity,
            database_name = excluded.database_name,
            database_oid = excluded.database_oid,
            system_identifier = excluded.system_identifier,
            minted_at = now()
        where existing.identity = ${row?.identity ?? null}::uuid
      returning identity::text as identity`.execute(database.kysely);
    if (written[0]) return { id: written[0].identity, name: here.name };
  }
  throw new Error(`could not settle this database's identity in ${IDENTITY_TABLE}`);
}

async function whereabouts(database: Database): Promise<Whereabouts> {
  // pg_control_system() may be revoked (managed services): then name and oid alone tell clones apart.
  const { rows } = await sql<Whereabouts>`
    select current_database() as name, d.oid::text as oid,
      case when has_function_privilege('pg_control_system()', 'execute')
        then (select system_identifier::text from pg_control_system()) end as system
    from pg_database d where d.datname = current_database()`.execute(database.kysely);
  const row = rows[0];
  if (!row) throw new Error('the current database is missing from pg_database');
  return row;
}

function isHere(row: IdentityRow, here: Whereabouts): boolean {
  return (
    row.database_name === here.name &&
    row.database_oid === here.oid &&
    // A role that cannot read the cluster id now (or could not then) compares by name and oid.
    (row.system_identifier === null || here.system === null || row.system_identifier === here.system)
  );
}
