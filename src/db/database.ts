import type { Kysely } from 'kysely';

/** Result of a raw query: rows keyed by column name, values as the driver returned them. */
export interface RawResult<Row = Record<string, unknown>> {
  rows: Row[];
  rowCount: number;
}

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
  readonly kysely: Kysely<any>;
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
  /** Asks the backend to abort the statement running inside an open transaction (Ctrl-C). */
  cancelRunning(): Promise<void>;
  /** Closes pools / the embedded instance. The process hangs on exit without it. */
  close(): Promise<void>;
}
