import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { ConfigError, DatabaseUnavailableError } from '../errors.js';
import { maskUrl } from '../config/secrets.js';
import { beginPinnedTransaction } from './pinned-transaction.js';
import type { AnyDB } from './any-kysely.js';
import { refuseTransactionPooling, startupParameterRefusal } from './pooler-probe.js';
import { acquireRunLock, type HeldRunLock, type TransactionQuery } from './run-lock.js';

export interface PostgresOptions {
  url: string;
  schema: string;
  poolSize: number;
  /** Seconds; 0 = no limit. */
  statementTimeout: number;
  ssl?: boolean | { ca?: string | undefined; rejectUnauthorized: boolean } | undefined;
}

/** The postgres backend: its pool (for COPY sessions) and the run lock's check before a COMMIT. */
export interface PostgresDatabase extends Database {
  readonly pool: pg.Pool;
  /** Throws when this process holds the run lock and its session lost it (see run-lock.ts). */
  beforeCommit(query: TransactionQuery): Promise<void>;
  /** Backends of the open seeding and restore transactions (cancellable-backend.ts). */
  readonly cancellableBackends: Set<number>;
}

export async function openPostgres(options: PostgresOptions): Promise<PostgresDatabase> {
  const description = `PostgreSQL ${maskUrl(options.url)} (schema ${options.schema})`;
  // A per-process application_name lets Ctrl-C cancel exactly this process's running statement.
  const applicationName = `foodfleet-seed:${process.pid}:${randomBytes(3).toString('hex')}`;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    application_name: applicationName,
    connectionTimeoutMillis: 10_000,
    // A SET, not the statement_timeout startup parameter: PgBouncer refuses startup parameters
    // it does not know unless ignore_startup_parameters lists them.
    ...(options.statementTimeout > 0
      ? {
          onConnect: async (client: pg.ClientBase) => {
            await client.query('select pg_catalog.set_config($1, $2, false)', [
              'statement_timeout',
              String(options.statementTimeout * 1000),
            ]);
          },
        }
      : {}),
    ...(options.ssl !== undefined ? { ssl: sslOptions(options.ssl) } : {}),
  });
  // An idle client dropped by the server must not crash the process.
  pool.on('error', () => undefined);
  // Nor one that is checked out (the run lock, the seeding transaction, a backup or restore
  // session): pg-pool only listens while a client is idle, and an unheard 'error' ends the
  // process. The query in flight still rejects with the error, and the code awaiting it reports it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  await checkConnection(pool, options.url, description);
  await refuseTransactionPooling(pool, description).catch(async (error: unknown) => {
    await pool.end().catch(() => undefined);
    throw error;
  });
  const kysely = new Kysely<AnyDB>({ dialect: new PostgresDialect({ pool }) }).withSchema(options.schema);
  // The run lock this process holds, which every seeding/restore transaction checks before COMMIT.
  let runLock: HeldRunLock | undefined;
  // Backends of open seeding and restore transactions, and the timer that cancels what they start
  // once a cancel was asked: a Ctrl-C between two statements finds nothing running, the next one
  // would then run to its end.
  const cancellableBackends = new Set<number>();
  const cancelRound = canceller(pool, cancellableBackends);
  let recancel: NodeJS.Timeout | undefined;
  const beforeCommit = async (query: TransactionQuery) => {
    await runLock?.assertHeldBeforeCommit(query);
  };

  return {
    kind: 'postgres',
    kysely,
    schema: options.schema,
    description,
    pool,
    beforeCommit,
    cancellableBackends,
    async beginTransaction() {
      await runLock?.verify();
      return beginPinnedTransaction(pool, options.schema, beforeCommit, cancellableBackends);
    },
    async acquireRunLock(timeoutMs, signal) {
      const held = await acquireRunLock(pool, options.schema, timeoutMs, signal);
      if (!held) return null;
      runLock = held;
      return async () => {
        if (runLock === held) runLock = undefined;
        await held.release();
      };
    },
    async cancelRunning() {
      recancel ??= setInterval(() => void cancelRound(), RECANCEL_MS).unref();
      await pool
        .query(
          'select pg_cancel_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid() and state = $2',
          [applicationName, 'active'],
        )
        .catch(() => undefined);
    },
    async close() {
      clearInterval(recancel);
      await kysely.destroy();
      // Kysely only ends a pool it has used; a command that failed before its first query would
      // otherwise keep the process alive for the pool's idle timeout.
      if (!pool.ended) await pool.end().catch(() => undefined);
    },
  };
}

const RECANCEL_MS = 200;

/** A round that cancels the statement each of `backends` is running, if any; one round at a time. */
function canceller(pool: pg.Pool, backends: ReadonlySet<number>): () => Promise<void> {
  let inFlight = false;
  return async () => {
    if (backends.size === 0 || inFlight || pool.ended) return;
    inFlight = true;
    try {
      await pool.query(
        'select pg_cancel_backend(pid) from pg_stat_activity where pid = any($1::int[]) and state = $2',
        [[...backends], 'active'],
      );
    } catch {
      // The pool ended or the server is gone: the next round, if any, tries again.
    } finally {
      inFlight = false;
    }
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

async function checkConnection(pool: pg.Pool, url: string, description: string): Promise<void> {
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    const refusal = startupParameterRefusal(error, description);
    if (refusal) throw refusal;
    throw new DatabaseUnavailableError(
      `Cannot connect to ${maskUrl(url)}: ${(error as Error).message}. Nothing was changed. ` +
        'Check DATABASE_URL / database.url and that the server is reachable.',
      { cause: error },
    );
  }
}
