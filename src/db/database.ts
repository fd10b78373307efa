import type { ControlledTransaction, Kysely } from 'kysely';
import type { CopyIn } from './copy-writer.js';
import type { AnyDB } from './any-kysely.js';

/** Releases a held lock; safe to call more than once. */
export type Release = () => Promise<void>;

/**
 * The seam between the tool and a PostgreSQL backend (a server reached by URL, or the embedded
 * PGlite). Everything above this interface is backend-agnostic.
 */
export interface Database {
  /** `postgres` for a server by URL, `embedded` for PGlite. */
  readonly kind: 'postgres' | 'embedded';
  /** Kysely over the backend; `withSchema` already applied when a schema is configured. */
  readonly kysely: Kysely<AnyDB>;
  /** The schema the FoodFleet tables live in (default `public`). */
  readonly schema: string;
  /** Human description for messages — never contains a password. */
  readonly description: string;
  /**
   * Takes the run lock (two runs never interleave). Waits up to `timeoutMs`, then resolves
   * `null` (also when `signal` aborts the wait); the lock dies with its holder (advisory lock on a
   * dedicated session / in-process).
   */
  acquireRunLock(timeoutMs: number, signal?: AbortSignal): Promise<Release | null>;
  /** Opens the seeding run's transaction (schema applied, like {@link kysely}). */
  beginTransaction(): Promise<OpenTransaction>;
  /** Asks the backend to abort the statement running inside an open transaction (Ctrl-C). */
  cancelRunning(): Promise<void>;
  /** Closes pools / the embedded instance. The process hangs on exit without it. */
  close(): Promise<void>;
}

/** A transaction held open across seeders, with the backend's bulk path inside it. */
export interface OpenTransaction {
  readonly trx: ControlledTransaction<AnyDB>;
  /**
   * `COPY … FROM STDIN` on the transaction's own session; null where the backend has no
   * streaming COPY (the embedded engine), and callers use ordinary statements instead.
   */
  readonly copyIn: CopyIn | null;
  commit(): Promise<void>;
  /** Also safe after a failed commit; never throws. */
  rollback(): Promise<void>;
}

/** A plain Kysely transaction, for backends without a COPY channel. */
export async function beginKyselyTransaction(kysely: Kysely<AnyDB>): Promise<OpenTransaction> {
  const trx = await kysely.startTransaction().execute();
  return {
    trx,
    copyIn: null,
    commit: () => trx.commit().execute(),
    rollback: () =>
      trx
        .rollback()
        .execute()
        .catch(() => undefined),
  };
}
