import type pg from 'pg';
import type { LoadSession } from './load-session.js';
import { cancellableBackend } from '../../db/cancellable-backend.js';
import { commitAndConfirm } from '../../db/commit-outcome.js';
import { postgresCopyIn } from '../../db/postgres-copy.js';
import type { TransactionQuery } from '../../db/run-lock.js';

/**
 * A dedicated pooled client for the restore: the load is one COPY FROM STDIN per table, the
 * fastest way into PostgreSQL (what pg_restore does), fed each value's text form as is.
 * The client is destroyed rather than reused when the work failed, so a half-finished COPY
 * can never leak into the pool. `beforeCommit` runs inside the transaction right before its
 * COMMIT (the run lock's last check). Until COMMIT or ROLLBACK the session's backend is in
 * `open`, so a cancel reaches its statements even when they start after it was asked.
 */
export async function withPostgresSession<T>(
  pool: pg.Pool,
  fn: (session: LoadSession) => Promise<T>,
  beforeCommit?: (query: TransactionQuery) => Promise<void>,
  open?: Set<number>,
): Promise<T> {
  const client = await pool.connect();
  let closing = (): void => undefined;
  let failed: Error | undefined;
  try {
    if (open) closing = await cancellableBackend(client, open);
    return await fn(postgresSession(client, pool, closing, beforeCommit));
  } catch (error) {
    failed = error as Error;
    throw error;
  } finally {
    closing();
    client.release(failed);
  }
}

function postgresSession(
  client: pg.PoolClient,
  pool: pg.Pool,
  closing: () => void,
  beforeCommit?: (query: TransactionQuery) => Promise<void>,
): LoadSession {
  return {
    async query<R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) {
      // COMMIT (with its last checks) and ROLLBACK end the transaction: they are never cancelled.
      if (/^\s*(commit|rollback)\s*$/i.test(sql)) closing();
      if (beforeCommit && /^\s*commit\s*$/i.test(sql))
        await beforeCommit((text, values) => client.query(text, values));
      const result = await client.query(sql, params ? [...params] : undefined);
      return result.rows as R[];
    },
    copyIn: (table, columns) => postgresCopyIn(client, table, columns),
    async commit() {
      closing();
      await beforeCommit?.((text, values) => client.query(text, values));
      await commitAndConfirm(client, pool, async () => void (await client.query('commit')));
    },
    repairs: {
      async query<R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) {
        return (await pool.query(sql, params ? [...params] : undefined)).rows as R[];
      },
    },
  };
}
