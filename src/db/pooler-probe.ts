import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { DatabaseUnavailableError, PoolerUnsupportedError } from '../errors.js';

/** What to do about a transaction-mode pooler (the end of every such message). */
export const TRANSACTION_POOLING_FIX =
  'Point foodfleet-seed at PostgreSQL directly or at a session-mode pool (PgBouncer: the direct database port, or a [databases] entry with pool_mode=session); see docs/poolers.md.';

const PROBE_SETTING = 'foodfleet_seed.probe';
const MARK = 'select pg_catalog.pg_backend_pid() as pid, pg_catalog.set_config($1, $2, false) as token';
const READ = 'select pg_catalog.pg_backend_pid() as pid, pg_catalog.current_setting($1, true) as token';

/**
 * Refuses a pooler that does not give each client connection a server session of its own
 * (PgBouncer, Supavisor, RDS Proxy in transaction or statement mode), before anything is read or
 * written. A client cannot ask the pooler its mode, so this watches for the symptom: connection A
 * marks its session with a random token (a session-level setting, never reset between
 * transactions in those modes), connection B — opened while A is idle — must not see it, and A's
 * next statement must still be on the same server process with the token. In session mode (and
 * directly) A and B are two server sessions and A keeps its own. With transaction pooling B gets
 * A's idle server session (always with one server connection, and with PgBouncer's default
 * most-recently-used choice, also with more) or A's next statement lands elsewhere.
 *
 * A busy transaction pool can still hand out sessions so that the probe passes by chance: the run
 * lock checks for a shared session itself (see run-lock.ts), so the probe only makes the common
 * case fail early and cleanly.
 */
export async function refuseTransactionPooling(pool: pg.Pool, description: string): Promise<void> {
  const token = randomBytes(12).toString('hex');
  const clients: pg.PoolClient[] = [];
  let shared: string | undefined;
  let failed: unknown;
  try {
    // Both connect at once: a connection's set-up (TCP, TLS, SCRAM) is most of the probe's time.
    const connected = await Promise.allSettled([pool.connect(), pool.connect()]);
    for (const c of connected) if (c.status === 'fulfilled') clients.push(c.value);
    for (const c of connected) if (c.status === 'rejected') throw c.reason;
    const [a, b] = clients as [pg.PoolClient, pg.PoolClient];
    const marked = await session(a, MARK, [PROBE_SETTING, token]);
    const other = await session(b, READ, [PROBE_SETTING]);
    const again = await session(a, READ, [PROBE_SETTING]);
    if (other.token === token || other.pid === marked.pid)
      shared = 'a second connection reached the first connection’s server session';
    else if (again.pid !== marked.pid || again.token !== token)
      shared = 'one connection’s consecutive statements reached different server sessions';
    else await session(a, MARK, [PROBE_SETTING, '']);
  } catch (error) {
    failed = error;
  } finally {
    // A shared or failed session is closed rather than pooled: it carries the probe's token.
    for (const client of clients) client.release(shared !== undefined || failed !== undefined);
  }
  if (failed) throw probeFailure(failed, description);
  if (shared)
    throw new PoolerUnsupportedError(
      `${description} is reached through a connection pooler in transaction (or statement) pooling mode: ${shared}. ` +
        'foodfleet-seed holds its run lock on a session of its own, which such a pooler shares with other clients, so two runs could overlap. ' +
        `Nothing was changed. ${TRANSACTION_POOLING_FIX}`,
    );
}

/**
 * The probe holds two connections at once, as every run does (the lock and the transaction): a
 * session-mode pool of one server connection makes the second wait until the pooler gives up.
 */
function probeFailure(error: unknown, description: string): DatabaseUnavailableError {
  const message = (error as Error)?.message ?? String(error);
  const starved = /query_wait_timeout|timeout exceeded when trying to connect/i.test(message);
  return new DatabaseUnavailableError(
    starved
      ? `${description} did not give a second connection (${message}): foodfleet-seed needs up to database.poolSize connections at once (the run lock, the seeding transaction, …); behind a session-mode pooler give it a pool_size of at least database.poolSize per process that may run at once. Nothing was changed.`
      : `Cannot check the connection to ${description}: ${message}. Nothing was changed.`,
    { cause: error },
  );
}

async function session(
  client: pg.PoolClient,
  text: string,
  params: unknown[],
): Promise<{ pid: number; token: string | null }> {
  const { rows } = await client.query<{ pid: number; token: string | null }>(text, params);
  const row = rows[0];
  if (!row) throw new Error('the server returned no row');
  return row;
}

/** PgBouncer's refusal of a startup parameter it does not know, as a message saying what to set. */
export function startupParameterRefusal(
  error: unknown,
  description: string,
): PoolerUnsupportedError | undefined {
  const match = /unsupported startup parameter:\s*(\S+)/i.exec((error as Error)?.message ?? '');
  if (!match) return undefined;
  const parameter = match[1];
  return new PoolerUnsupportedError(
    `The connection pooler in front of ${description} refused the startup parameter "${parameter}" (PgBouncer accepts only the parameters it knows). ` +
      `Nothing was changed. Add it to the pooler's ignore_startup_parameters (PgBouncer: ignore_startup_parameters = ${parameter} in pgbouncer.ini), ` +
      'or remove it from the connection URL; see docs/poolers.md.',
    { cause: error },
  );
}
