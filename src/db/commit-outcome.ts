import type pg from 'pg';
import { ConnectionLostError } from '../errors.js';
import { retryWithin } from '../util/retry.js';
import { lostCause } from './connection-lost.js';

/** How hard to look for the outcome of a COMMIT whose answer never came. */
const ASK_LIMITS = { attempts: 3, withinMs: 10_000 };

/**
 * Commits on `client` and, when the session is lost before the answer arrives, finds out what
 * happened: the transaction's id is read just before COMMIT, and PostgreSQL (10+) answers
 * `txid_status` for it on a fresh session. Resolves when the transaction committed (whatever the
 * socket did); throws a {@link ConnectionLostError} saying what is true otherwise.
 */
export async function commitAndConfirm(
  client: pg.ClientBase,
  pool: pg.Pool,
  commit: () => Promise<void>,
): Promise<void> {
  const { rows } = await client.query<{ xid: string }>('select txid_current()::text as xid');
  const xid = rows[0]?.xid;
  try {
    await commit();
  } catch (error) {
    const lost = lostCause(error);
    if (!lost || xid === undefined) throw error;
    const status = await askStatus(pool, xid);
    if (status === 'committed') return;
    const outcome =
      status === 'aborted'
        ? 'The transaction was rolled back: nothing was committed.'
        : `Whether the transaction committed is unknown (PostgreSQL transaction ${xid}; the database could not be asked): check the data before running again.`;
    const failure = new ConnectionLostError('the commit', lost.message, outcome, { cause: error });
    failure.outcomeUnknown = status === null;
    throw failure;
  }
}

/** `committed`, `aborted`, or null when the database cannot tell (unreachable, or too old). */
async function askStatus(pool: pg.Pool, xid: string): Promise<'committed' | 'aborted' | null> {
  try {
    return await retryWithin(ASK_LIMITS, async () => {
      const { rows } = await pool.query<{ status: string | null }>('select txid_status($1) as status', [xid]);
      const status = rows[0]?.status;
      if (status === 'committed' || status === 'aborted') return status;
      // `in progress`: the server has not yet noticed that the client is gone.
      throw new Error(`transaction ${xid} is ${status ?? 'unknown'}`);
    });
  } catch {
    return null;
  }
}
