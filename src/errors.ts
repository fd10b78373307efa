/**
 * Domain errors: each carries a message written for the operator (what happened, what was and
 * was not changed, what to do next), a stable code, and the exit code the CLI maps it to.
 * The CLI entry point and the HTTP error handler are the only places that translate them.
 */
import { safeErrorMessage, safeErrorStack } from './db/describe-pg-error.js';
import type { RunResults } from './seeding/results.js';

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'LOCKED'
  | 'SEEDER_FAILED'
  | 'SEEDER_DEFINITION'
  | 'SEEDER_LOAD'
  | 'PRODUCTION_REFUSED'
  | 'DATABASE_UNAVAILABLE'
  | 'POOLER_UNSUPPORTED'
  | 'LOCK_LOST'
  | 'CONNECTION_LOST'
  | 'NOT_FOUND'
  | 'CANCELLED'
  | 'BACKUP_FAILED'
  | 'BACKUP_INVALID'
  | 'RESTORE_FAILED'
  | 'STORE_UNAVAILABLE'
  | 'CONFIRMATION_REQUIRED'
  | 'RESET_REFUSED'
  | 'OPERATION_FAILED';

export const EXIT_CODES = {
  success: 0,
  failed: 1,
  usage: 2,
  locked: 3,
  cancelled: 130,
} as const;

export class SeedError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** Execution the error belongs to, when one was recorded. */
  executionId?: number;

  constructor(code: ErrorCode, message: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad configuration or flags: nothing was touched. */
export class ConfigError extends SeedError {
  readonly problems: readonly string[];
  constructor(message: string, problems: readonly string[] = [], options?: { cause?: unknown }) {
    super('CONFIG_INVALID', message, EXIT_CODES.usage, options);
    this.problems = problems;
  }
}

export class UsageError extends SeedError {
  constructor(message: string, code: ErrorCode = 'USAGE') {
    super(code, message, EXIT_CODES.usage);
  }
}

/** Another run holds the lock past the timeout. */
export class LockedError extends SeedError {
  constructor(message: string) {
    super('LOCKED', message, EXIT_CODES.locked);
  }
}

/** A seeder class is malformed, a dependency is unknown, a cycle exists, or a file does not load. */
export class SeederDefinitionError extends SeedError {
  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ?? 'SEEDER_DEFINITION', message, EXIT_CODES.usage, options);
  }
}

/** A seeder threw while running: the run's transaction was rolled back. */
export class SeederFailedError extends SeedError {
  readonly seeder: string;
  constructor(seeder: string, message: string, options?: { cause?: unknown }) {
    super('SEEDER_FAILED', message, EXIT_CODES.failed, options);
    this.seeder = seeder;
  }
}

/**
 * A failed run's error together with each seeder's outcome up to the failure (completed seeders
 * reported rolled back): the execution record stores these results beside the error.
 */
export type RunFailure = SeedError & { readonly results: RunResults };

/** Gives `error` the run's results; the error itself (class, message, exit code) is unchanged. */
export function withRunResults(error: SeedError, results: RunResults): RunFailure {
  return Object.assign(error, { results });
}

export function isRunFailure(error: unknown): error is RunFailure {
  return (
    error instanceof SeedError &&
    'results' in error &&
    typeof error.results === 'object' &&
    error.results !== null
  );
}

export class ProductionRefusedError extends SeedError {
  constructor(message: string) {
    super('PRODUCTION_REFUSED', message, EXIT_CODES.failed);
  }
}

export class DatabaseUnavailableError extends SeedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_UNAVAILABLE', message, EXIT_CODES.failed, options);
  }
}

/**
 * A connection pooler between the tool and PostgreSQL does not keep a session per connection
 * (transaction pooling), or refuses a startup parameter: nothing was touched; the fix is in the
 * connection settings (see docs/poolers.md).
 */
export class PoolerUnsupportedError extends SeedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('POOLER_UNSUPPORTED', message, EXIT_CODES.usage, options);
  }
}

/** The run lock's session no longer holds the lock: the work in flight was rolled back. */
export class RunLockLostError extends SeedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LOCK_LOST', message, EXIT_CODES.failed, options);
  }
}

/**
 * The database session was lost mid-operation (server restart, failover, a dropped network, an
 * administrator's pg_terminate_backend). The message says in which phase and what is true of the
 * data now — by default that nothing was committed, since PostgreSQL rolls back a transaction
 * whose session dies.
 */
export class ConnectionLostError extends SeedError {
  readonly phase: string;
  /** Lost during COMMIT and the database could not be asked: it may have committed. */
  outcomeUnknown = false;
  constructor(
    phase: string,
    reason: string,
    outcome = 'Nothing was committed.',
    options?: { cause?: unknown },
  ) {
    super(
      'CONNECTION_LOST',
      `The database connection was lost during ${phase}: ${reason.trim().replace(/[.\s]+$/, '')}. ${outcome}`,
      EXIT_CODES.failed,
      options,
    );
    this.phase = phase;
  }
}

export class NotFoundError extends SeedError {
  constructor(message: string) {
    super('NOT_FOUND', message, EXIT_CODES.failed);
  }
}

/** Ctrl-C / SIGTERM: the transaction was rolled back. */
export class CancelledError extends SeedError {
  constructor(message = 'Cancelled by signal: the transaction was rolled back; nothing was changed.') {
    super('CANCELLED', message, EXIT_CODES.cancelled);
  }
}

/** The command already printed a result that says what failed: only the exit code is left to set. */
export class ReportedFailure extends SeedError {
  constructor(message: string) {
    super('OPERATION_FAILED', message, EXIT_CODES.failed);
  }
}

/**
 * The full traceback of `error`: its stack, then each `cause`'s ("Caused by: …"), so a log shows
 * where a typed error was raised and where the driver's error behind it came from.
 */
export function fullStack(error: unknown): string | undefined {
  const parts: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 10; depth++) {
    // A database error's own stack repeats its raw message, which may quote row contents.
    parts.push(safeErrorStack(current) ?? `${current.name}: ${safeErrorMessage(current)}`);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join('\nCaused by: ') : undefined;
}

/** Generic failure of an operation (backup, restore, store access) with a user-facing message. */
export class OperationError extends SeedError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(code, message, options?.exitCode ?? EXIT_CODES.failed, options);
  }
}
