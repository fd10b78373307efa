import type pg from 'pg';

/**
 * Puts the client's backend in `open`, the set of backends whose statements a cancel must reach
 * even when they start after it was asked (postgres-database.ts); returns what takes it out again,
 * which the caller does before COMMIT or ROLLBACK: those end the transaction and are never cancelled.
 * pg_backend_pid(), not client.processID: behind PgBouncer that is the pooler's own number.
 */
export async function cancellableBackend(client: pg.ClientBase, open: Set<number>): Promise<() => void> {
  const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
  if (pid === undefined) return () => undefined;
  open.add(pid);
  return () => open.delete(pid);
}
