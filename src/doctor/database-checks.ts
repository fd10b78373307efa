import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/database.js';
import { openDatabase } from '../db/open-database.js';
import { LockedError, PoolerUnsupportedError } from '../errors.js';
import { knownMigrations } from '../migrations/migrate.js';
import { type CheckRunner, fail, type Finding, ok, warn } from './check.js';

/**
 * Checks the configured database without changing it: reachable, version, the pooler, the tool's
 * migrations (read, never run), the role's privileges and advisory locks. Resolves with the
 * opened database for the security checks — the caller closes it — or null when none was opened
 * (unreachable, or the embedded database does not exist yet and must not be created by doctor).
 */
export async function checkDatabase(
  runner: CheckRunner,
  config: Config,
  timeoutMs: number,
): Promise<Database | null> {
  const database = await runner.check('database.connection', (signal) => connect(config, timeoutMs, signal));
  if (!database) return null;
  if (database.kind === 'postgres')
    await runner.check('database.pooler', async () =>
      ok('no transaction-mode pooler detected: each connection keeps a server session of its own'),
    );
  const pending = await runner.check('database.migrations', () => checkMigrations(database));
  const privileges = await runner.check('database.privileges', () => checkPrivileges(database, pending ?? 0));
  if (privileges) await runner.check('database.temporary', async () => temporaryFinding(privileges));
  await runner.check('database.advisory-lock', () => checkAdvisoryLock(database));
  return database;
}

async function connect(config: Config, timeoutMs: number, signal: AbortSignal): Promise<Finding<Database>> {
  const { url, embedded } = config.database;
  if (!url && !existsSync(embedded.dir))
    return ok(`embedded PostgreSQL (PGlite) in ${embedded.dir}: not created yet (first \`run\` creates it)`);
  let database: Database;
  try {
    // lockTimeout 0: an embedded database another process has open is reported, not waited for.
    // The statement timeout: a statement waiting behind another session's lock (a restore holds
    // its tables exclusively) is cancelled by the server, so closing the pool never waits for it.
    const statementTimeout = Math.max(1, Math.ceil(timeoutMs / 1000));
    database = await openDatabase({
      ...config,
      lockTimeout: 0,
      database: { ...config.database, statementTimeout },
    });
  } catch (error) {
    if (error instanceof PoolerUnsupportedError) return fail(error.message);
    if (error instanceof LockedError)
      return warn(
        `Another foodfleet-seed process (e.g. \`serve\`) has the embedded database ${embedded.dir} open: not checked further`,
      );
    throw error;
  }
  // Opened after its time was up: nobody will close it but this check.
  if (signal.aborted) {
    await database.close();
    throw signal.reason;
  }
  const { rows } = await sql<{
    version: string;
    role: string;
  }>`select pg_catalog.current_setting('server_version') as version, current_user as role`.execute(
    database.kysely,
  );
  const row = rows[0];
  return {
    ...ok(`${database.description}: reachable, PostgreSQL ${row?.version ?? '?'}, role ${row?.role ?? '?'}`),
    value: database,
  };
}

/** Compares the tool's migration tables with the migrations this version knows; resolves the pending count. */
async function checkMigrations(database: Database): Promise<Finding<number>> {
  const pending: string[] = [];
  const unknown: string[] = [];
  let known = 0;
  for (const set of knownMigrations(database.schema)) {
    const applied = await appliedMigrations(database, set.table);
    known += set.names.length;
    pending.push(...set.names.filter((name) => !applied.has(name)));
    unknown.push(...[...applied].filter((name) => !set.names.includes(name)));
  }
  const finding =
    pending.length === 0
      ? ok(`all ${known} migrations applied`)
      : warn(
          `${pending.length} of ${known} migrations pending (${pending.join(', ')}): the next \`run\` or \`migrate\` applies them`,
        );
  if (unknown.length > 0)
    return {
      ...warn(
        `${finding.detail}; applied migrations this version does not know (${unknown.join(', ')}): a newer foodfleet-seed migrated this database`,
      ),
      value: pending.length,
    };
  return { ...finding, value: pending.length };
}

async function appliedMigrations(database: Database, table: string): Promise<Set<string>> {
  const { rows } = await sql<{
    found: boolean;
  }>`select pg_catalog.to_regclass(pg_catalog.format('%I.%I', ${database.schema}::text, ${table}::text)) is not null as found`.execute(
    database.kysely,
  );
  if (!rows[0]?.found) return new Set();
  const applied = await sql<{ name: string }>`select name from ${sql.id(database.schema, table)}`.execute(
    database.kysely,
  );
  return new Set(applied.rows.map((r) => r.name));
}

interface Privileges {
  role: string;
  database: string;
  connect: boolean;
  create_database: boolean;
  temporary: boolean;
  schema_exists: boolean;
  create_schema: boolean;
  usage_schema: boolean;
}

/** CREATE on the schema (or on the database while the schema does not exist) and USAGE. */
async function checkPrivileges(database: Database, pending: number): Promise<Finding<Privileges>> {
  const { rows } = await sql<Privileges>`
    select current_user as role, pg_catalog.current_database() as database,
      pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CONNECT') as connect,
      pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') as create_database,
      pg_catalog.has_database_privilege(pg_catalog.current_database(), 'TEMPORARY') as temporary,
      n.oid is not null as schema_exists,
      coalesce(pg_catalog.has_schema_privilege(n.oid, 'CREATE'), false) as create_schema,
      coalesce(pg_catalog.has_schema_privilege(n.oid, 'USAGE'), false) as usage_schema
    from (select 1) as one left join pg_catalog.pg_namespace n on n.nspname = ${database.schema}`.execute(
    database.kysely,
  );
  const p = rows[0];
  if (!p) return fail('the server returned no row for the privilege query');
  const schema = database.schema;
  const finding = privilegeFinding(p, schema, pending);
  return { ...finding, value: p };
}

function privilegeFinding(p: Privileges, schema: string, pending: number): Finding {
  // This session is in, but every command opens new connections.
  if (!p.connect)
    return fail(
      `role ${p.role} lacks CONNECT on database ${p.database}: GRANT CONNECT ON DATABASE ${p.database} TO ${p.role}`,
    );
  if (!p.schema_exists)
    return p.create_database
      ? ok(
          `schema ${schema} does not exist yet; role ${p.role} may create it (CREATE on database ${p.database})`,
        )
      : fail(
          `schema ${schema} does not exist and role ${p.role} may not create it: GRANT CREATE ON DATABASE ${p.database} TO ${p.role}, or create it first (CREATE SCHEMA ${schema} AUTHORIZATION ${p.role})`,
        );
  if (!p.usage_schema)
    return fail(
      `role ${p.role} lacks USAGE on schema ${schema}: GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${p.role}`,
    );
  if (!p.create_schema) {
    const grant = `GRANT CREATE ON SCHEMA ${schema} TO ${p.role}`;
    return pending > 0
      ? fail(
          `role ${p.role} lacks CREATE on schema ${schema}, so the pending migrations cannot run: ${grant}`,
        )
      : warn(
          `role ${p.role} lacks CREATE on schema ${schema}: enough while every migration is applied, but a later version's migration will fail (${grant})`,
        );
  }
  return ok(`role ${p.role} has CONNECT, USAGE and CREATE on schema ${schema}`);
}

function temporaryFinding(p: Privileges): Finding {
  return p.temporary
    ? ok(`role ${p.role} may create temporary tables (bulk upserts COPY into them)`)
    : warn(
        `role ${p.role} lacks TEMPORARY on database ${p.database}: bulk upserts fall back to ordinary statements, which is slower (GRANT TEMPORARY ON DATABASE ${p.database} TO ${p.role})`,
      );
}

/** Takes and releases a throwaway session-level advisory lock on one pinned connection. */
async function checkAdvisoryLock(database: Database): Promise<Finding> {
  // A random key outside the run lock's namespace (0x5eed): never the lock a real run takes.
  const key = Math.floor(Math.random() * 0x7fff_ffff);
  return database.kysely.connection().execute(async (db) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_catalog.pg_try_advisory_lock(${0x0d0c}::int, ${key}::int) as locked`.execute(db);
    if (!rows[0]?.locked)
      return warn('a throwaway advisory lock was not granted (another session holds it?)');
    await sql`select pg_catalog.pg_advisory_unlock(${0x0d0c}::int, ${key}::int)`.execute(db);
    return ok('usable: took and released a throwaway advisory lock (the run lock is one)');
  });
}
