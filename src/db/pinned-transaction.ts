import { Kysely, PostgresDialect, type ControlledTransaction } from 'kysely';
import type pg from 'pg';
import type { OpenTransaction } from './database.js';
import { cancellableBackend } from './cancellable-backend.js';
import { commitAndConfirm } from './commit-outcome.js';
import { postgresCopyIn } from './postgres-copy.js';
import type { AnyDB } from './any-kysely.js';
import type { TransactionQuery } from './run-lock.js';

/**
 * A transaction on one client taken from the pool, seen by Kysely as a pool of that single
 * client: seeders' queries and `COPY … FROM STDIN` then share one session and one transaction,
 * which Kysely's own pool gives no way to reach. The client goes back to the pool at the end —
 * destroyed instead when the rollback itself failed, so a broken session is never reused.
 * `beforeCommit` runs inside the transaction right before COMMIT (the run lock's last check).
 * `open` holds the session's backend while seeders' statements may run (cancellable-backend.ts).
 */
export async function beginPinnedTransaction(
  pool: pg.Pool,
  schema: string,
  beforeCommit?: (query: TransactionQuery) => Promise<void>,
  open?: Set<number>,
): Promise<OpenTransaction> {
  const client = await pool.connect();
  let closing = (): void => undefined;
  // Kysely releases after commit/rollback; the real release waits for the outcome below.
  const session = { query: client.query.bind(client), release: () => undefined };
  const single = { connect: async () => session, end: async () => undefined } as unknown as pg.Pool;
  const kysely = new Kysely<AnyDB>({ dialect: new PostgresDialect({ pool: single }) }).withSchema(schema);
  let released = false;
  const release = (broken: boolean) => {
    if (released) return;
    released = true;
    client.release(broken || undefined);
  };
  let trx: ControlledTransaction<AnyDB>;
  try {
    if (open) closing = await cancellableBackend(client, open);
    trx = await kysely.startTransaction().execute();
  } catch (error) {
    closing();
    release(true);
    throw error;
  }
  return {
    trx,
    copyIn: (table, columns) => postgresCopyIn(client, table, columns),
    async commit() {
      // A failed check or COMMIT keeps the client: the caller's rollback() releases it. One whose
      // answer was lost with the connection, but that did commit, counts as committed. The last
      // checks and COMMIT are not cancelled.
      closing();
      await beforeCommit?.((text, params) => client.query(text, params));
      await commitAndConfirm(client, pool, () => trx.commit().execute());
      release(false);
    },
    async rollback() {
      closing();
      try {
        await trx.rollback().execute();
        release(false);
      } catch {
        release(true);
      }
    },
  };
}
