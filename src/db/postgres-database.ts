import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database, Release } from './database.js';
import { ConfigError, DatabaseUnavailableError } from '../errors.js';
import { maskUrl } from '../config/secrets.js';
import { sleep } from '../util/sleep.js';
import { beginPinnedTransaction } from './pinned-transaction.js';

export interface PostgresOptions {
  url: string;
  schema: string;
  poolSize: number;
  /** Seconds; 0 = no limit. */
  statementTimeout: number;
  ssl?: boolean | { ca?: string | undefined; rejectUnauthorized: boolean } | undefined;
}

/** Advisory-lock namespace of the tool (the second key is the schema's hash). */
const LOCK_NAMESPACE = 0x5eed;

export async function openPostgres(options: PostgresOptions): Promise<Database & { pool: pg.Pool }> {
  const description = `PostgreSQL ${maskUrl(options.url)} (schema ${options.schema})`;
  // A per-process application_name lets Ctrl-C cancel exactly this process's running statement.
  const applicationName = `foodfleet-seed:${process.pid}:${randomBytes(3).toString('hex')}`;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    application_name: applicationName,
    connectionTimeoutMillis: 10_000,
    ...(options.statementTimeout > 0 ? { statement_timeout: options.statementTimeout * 1000 } : {}),
    ...(options.ssl !== undefined ? { ssl: sslOptions(options.ssl) } : {}),
  });
  // An idle client dropped by the server must not crash the process.
  pool.on('error', () => undefined);
  // Nor one that is checked out (the run lock, the seeding transaction, a backup or restore
  // session): pg-pool only listens while a client is idle, and an unheard 'error' ends the
  // process. The query in flight still rejects with the error, and the code awaiting it reports it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  await checkConnection(pool, options.url);
  const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool }) }).withSchema(options.schema);

  return {
    kind: 'postgres',
    kysely,
    schema: options.schema,
    description,
    pool,
    beginTransaction: () => beginPinnedTransaction(pool, options.schema),
    acquireRunLock: (timeoutMs, signal) => acquireAdvisoryLock(pool, options.schema, timeoutMs, signal),
    async cancelRunning() {
      await pool
        .query(
          'select pg_cancel_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid() and state = $2',
          [applicationName, 'active'],
        )
        .catch(() => undefined);
    },
    async close() {
      await kysely.destroy();
      // Kysely only ends a pool it has used; a command that failed before its first query would
      // otherwise keep the process alive for the pool's idle timeout.
      if (!pool.ended) await pool.end().catch(() => undefined);
    },
  };
}

function sslOptions(ssl: NonNullable<PostgresOptions['ssl']>): pg.PoolConfig['ssl'] {
  if (typeof ssl === 'boolean') return ssl;
  let ca: string | undefined;
  if (ssl.ca) {
    try {
      ca = readFileSync(ssl.ca, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `database.ssl.ca: cannot read CA file ${ssl.ca}: ${(error as Error).message}. Nothing was changed.`,
        [`database.ssl.ca: cannot read ${ssl.ca}`],
      );
    }
  }
  return { rejectUnauthorized: ssl.rejectUnauthorized, ...(ca ? { ca } : {}) };
}

async function checkConnection(pool: pg.Pool, url: string): Promise<void> {
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new DatabaseUnavailableError(
      `Cannot connect to ${maskUrl(url)}: ${(error as Error).message}. Nothing was changed. ` +
        'Check DATABASE_URL / database.url and that the server is reachable.',
      { cause: error },
    );
  }
}

/** Session-level advisory lock on a dedicated client: it dies with the session if the process dies. */
async function acquireAdvisoryLock(
  pool: pg.Pool,
  schema: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Release | null> {
  const client = await pool.connect();
  // Set when the lock's session dies: the lock died with it, and the client is not reusable.
  let lost = false;
  client.on('error', () => (lost = true));
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const { rows } = await client.query<{ locked: boolean }>(
        'select pg_try_advisory_lock($1, hashtext($2)) as locked',
        [LOCK_NAMESPACE, schema],
      );
      if (rows[0]?.locked) break;
      if (Date.now() >= deadline || signal?.aborted) {
        client.release();
        return null;
      }
      await sleep(Math.min(200, Math.max(10, deadline - Date.now())));
    }
  } catch (error) {
    client.release(true);
    throw error;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (lost) return client.release(true);
    try {
      await client.query('select pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, schema]);
      client.release();
    } catch {
      client.release(true);
    }
  };
}
