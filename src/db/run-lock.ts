import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { PoolerUnsupportedError, RunLockLostError } from '../errors.js';
import { sleep } from '../util/sleep.js';
import type { Release } from './database.js';
import { TRANSACTION_POOLING_FIX } from './pooler-probe.js';

/** Advisory-lock namespace of the tool (the second key is the schema's hash). */
const LOCK_NAMESPACE = 0x5eed;
/** Session setting that marks the server session holding the lock with its holder's token. */
const TOKEN_SETTING = 'foodfleet_seed.run_lock';

/** Runs one statement inside some other session's open transaction. */
export type TransactionQuery = (
  text: string,
  params: unknown[],
) => Promise<{ rows: Array<Record<string, unknown>> }>;

/** A held run lock. */
export interface HeldRunLock {
  release: Release;
  /** Throws unless the lock's own session still holds the lock (call before each phase). */
  verify(): Promise<void>;
  /**
   * Throws unless the lock's server session still holds the lock, checked by a statement of
   * another session's open transaction: the last statement before that transaction's COMMIT.
   */
  assertHeldBeforeCommit(query: TransactionQuery): Promise<void>;
}

/**
 * SQL: the lock (keys `$1`, hashtext(`$2`)) is granted to the backend `pid` in this database.
 * Two int4 keys show in pg_locks as classid, objid (the key's bits as an oid) and objsubid 2.
 */
function heldBy(pid: string): string {
  return `exists (select 1 from pg_catalog.pg_locks
     where locktype = 'advisory' and granted and objsubid = 2
       and database = (select oid from pg_catalog.pg_database where datname = pg_catalog.current_database())
       and classid = $1::int::oid and objid = pg_catalog.hashtext($2)::oid and pid = ${pid})`;
}

/**
 * The run lock: a session-level advisory lock on a dedicated client, so it dies with the session
 * if the process dies.
 *
 * Behind a pooler in transaction mode a "session" is shared: the lock stays on a server session
 * that other clients' statements also reach, and PostgreSQL's advisory locks are re-entrant per
 * session, so a second client landing there would "get" the lock too (with PgBouncer's
 * default_pool_size=1, always). The probe at connect time refuses such poolers; this lock does not
 * rely on it. Each attempt is one transaction (one server session in every pooling mode) that
 * first checks the session carries no holder's state — neither the lock (re-entry) nor another
 * holder's token — then takes the lock and marks the session with this holder's random token.
 * A shared session is refused, never re-entered; on any other session the lock conflicts as
 * usual. The holder re-checks pid, token and lock when the seeding transaction begins, and the
 * seeding/restore transaction checks in its own last statement before COMMIT that the lock's
 * backend still holds it, so a lost lock (session dropped, pooler reset) rolls the work back
 * instead of committing next to another run (LOCK_LOST, exit 1: by then the run was recorded).
 */
export async function acquireRunLock(
  pool: pg.Pool,
  schema: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HeldRunLock | null> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => (lost = error);
  client.on('error', onError);
  const token = randomBytes(12).toString('hex');
  const deadline = Date.now() + timeoutMs;
  let pid: number;
  try {
    for (;;) {
      const attempt = await tryOnce(client, schema, token);
      if (attempt.locked) {
        pid = attempt.pid;
        break;
      }
      if (Date.now() >= deadline || signal?.aborted) {
        client.removeListener('error', onError);
        client.release();
        return null;
      }
      await sleep(Math.min(200, Math.max(10, deadline - Date.now())));
    }
  } catch (error) {
    client.removeListener('error', onError);
    client.release(true);
    throw error;
  }

  let released = false;
  const lostMessage = (why: string) =>
    `The run lock was lost: ${why}. Another run may have started; this one stops before committing anything.`;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query(
          'select pg_catalog.pg_advisory_unlock($1, pg_catalog.hashtext($2)), pg_catalog.set_config($3, $4, false)',
          [LOCK_NAMESPACE, schema, TOKEN_SETTING, ''],
        );
        client.removeListener('error', onError);
        client.release();
      } catch {
        client.removeListener('error', onError);
        client.release(true);
      }
    },
    async verify() {
      if (lost)
        throw new RunLockLostError(lostMessage(`its connection failed (${lost.message})`), { cause: lost });
      const { rows } = await client.query<{ pid: number; token: string | null; held: boolean }>(
        `select pg_catalog.pg_backend_pid() as pid, pg_catalog.current_setting($3, true) as token,
                ${heldBy('pg_catalog.pg_backend_pid()')} as held`,
        [LOCK_NAMESPACE, schema, TOKEN_SETTING],
      );
      const row = rows[0];
      if (row?.pid !== pid || row.token !== token)
        throw new RunLockLostError(
          `${lostMessage('its connection now reaches another server session (a connection pooler in transaction mode shares sessions between clients)')} ${TRANSACTION_POOLING_FIX}`,
        );
      if (!row.held) throw new RunLockLostError(lostMessage('its session no longer holds it'));
    },
    async assertHeldBeforeCommit(query) {
      if (lost)
        throw new RunLockLostError(lostMessage(`its connection failed (${lost.message})`), { cause: lost });
      const { rows } = await query(`select ${heldBy('$3')} as held`, [LOCK_NAMESPACE, schema, pid]);
      if (rows[0]?.held !== true)
        throw new RunLockLostError(
          lostMessage(
            `its session (server process ${pid}) no longer holds it; the transaction was rolled back`,
          ),
        );
    },
  };
}

async function tryOnce(
  client: pg.PoolClient,
  schema: string,
  token: string,
): Promise<{ locked: false } | { locked: true; pid: number }> {
  await client.query('begin');
  try {
    const { rows } = await client.query<{ pid: number; holder: string | null; here: boolean }>(
      `select pg_catalog.pg_backend_pid() as pid, pg_catalog.current_setting($3, true) as holder,
              ${heldBy('pg_catalog.pg_backend_pid()')} as here`,
      [LOCK_NAMESPACE, schema, TOKEN_SETTING],
    );
    const state = rows[0];
    if (!state) throw new Error('pg_backend_pid() returned no row');
    if (state.here || (state.holder !== null && state.holder !== '')) {
      throw new PoolerUnsupportedError(
        `This connection reached a server session that already carries another client's run lock: a connection pooler shares server sessions between clients (transaction pooling, or session pooling without server_reset_query = DISCARD ALL), where the run lock cannot keep two runs apart. Nothing was changed. ${TRANSACTION_POOLING_FIX}`,
      );
    }
    const { rows: taken } = await client.query<{ locked: boolean }>(
      'select pg_catalog.pg_try_advisory_lock($1, pg_catalog.hashtext($2)) as locked',
      [LOCK_NAMESPACE, schema],
    );
    if (taken[0]?.locked)
      await client.query('select pg_catalog.set_config($1, $2, false)', [TOKEN_SETTING, token]);
    await client.query('commit');
    return taken[0]?.locked ? { locked: true, pid: state.pid } : { locked: false };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}
