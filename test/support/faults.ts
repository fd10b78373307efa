import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll } from 'vitest';
import type { FreshDatabase } from './database.js';

/**
 * An admin session on a test database that holds locks the tool will wait on, finds the tool's
 * backend waiting there, and cuts it with `pg_terminate_backend` — a fault at a chosen moment.
 */
export interface FaultControl {
  /** Runs one statement on the control session (it keeps its locks between calls). */
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** Waits until a backend of this database waits on a lock with a query matching `like` (ILIKE); returns it. */
  waitingBackend(like: string, timeoutMs?: number): Promise<{ pid: number; application_name: string }>;
  /** Terminates backends of this database; `where` narrows them (SQL over pg_stat_activity). */
  terminate(where: string, params?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

export async function faultControl(db: FreshDatabase): Promise<FaultControl> {
  const client = new pg.Client({ connectionString: db.url });
  client.on('error', () => undefined);
  await client.connect();
  const control: FaultControl = {
    query: (sql, params) => client.query(sql, params),
    async waitingBackend(like, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // Inside the control session's own transaction the statistics view is a snapshot: refresh it.
        await client.query('select pg_stat_clear_snapshot()');
        const { rows } = await client.query<{ pid: number; application_name: string }>(
          `select pid, application_name from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid()
              and wait_event_type = 'Lock' and query ilike $1`,
          [like],
        );
        if (rows[0]) return rows[0];
        if (Date.now() > deadline) throw new Error(`No backend waiting on a lock with a query like ${like}`);
        await sleep(50);
      }
    },
    async terminate(where, params = []) {
      const { rows } = await client.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and (${where})`,
        params,
      );
      return rows.length;
    },
    async close() {
      open.delete(control);
      await client.end().catch(() => undefined);
    },
  };
  open.add(control);
  return control;
}

/** Polls `check` until it returns a value other than undefined. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

const open = new Set<FaultControl>();
try {
  afterAll(async () => {
    await Promise.all([...open].map((control) => control.close()));
  });
} catch {
  // imported outside a vitest test file
}
