import { ConnectionLostError, isRunFailure, SeedError, withRunResults } from '../errors.js';

/**
 * SQLSTATEs and socket errors that mean the session is gone, not that a statement was wrong:
 * class 08 (connection exception), 57P01–57P03 (terminated by an administrator, crash
 * shutdown, cannot connect now) and the socket's own codes.
 */
const LOST_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT']);

/**
 * Errors that already say what happened and what to do, whatever sits in their cause chain: the
 * backup store's own (never the database's fault), and the connection-time verdicts — a server
 * that cannot be reached, a pooler refused, a run lock found lost — whose causes are the very
 * socket errors a lost session would show.
 */
const FINAL_CODES = new Set<string>([
  'STORE_UNAVAILABLE',
  'NOT_FOUND',
  'BACKUP_INVALID',
  'DATABASE_UNAVAILABLE',
  'POOLER_UNSUPPORTED',
  'LOCK_LOST',
]);

/** node-postgres reports a dropped socket with these messages and no code. */
const LOST_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
];

/** True when `error`, or anything in its `cause` chain, says the database session was lost. */
export function isConnectionLost(error: unknown): boolean {
  return lostCause(error) !== undefined;
}

/**
 * The error of the chain that says the connection was lost, if any. The walk stops at errors
 * that are already final (see {@link FINAL_CODES}): a socket reset under S3 is the store's fault.
 */
export function lostCause(error: unknown): Error | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; depth++) {
    if (current instanceof ConnectionLostError) return current;
    if (current instanceof SeedError && FINAL_CODES.has(current.code)) return undefined;
    if ('$metadata' in current) return undefined; // an AWS SDK error
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (LOST_CODES.has(code) || /^08...$/.test(code))) return current;
    if (LOST_MESSAGES.some((text) => current instanceof Error && current.message.startsWith(text)))
      return current;
    current = current.cause;
  }
  return undefined;
}

/**
 * The error to report for a failure during `phase`: a {@link ConnectionLostError} when the
 * session was lost (the one already in the chain, or a new one naming `phase`), else `error`
 * itself. A run's per-seeder results ride along, as on any failure.
 */
export function asConnectionLost(error: unknown, phase: string, outcome?: string): unknown {
  const cause = lostCause(error);
  if (!cause) return error;
  const lost =
    cause instanceof ConnectionLostError
      ? cause
      : new ConnectionLostError(phase, cause.message, outcome, { cause: error });
  if (isRunFailure(error) && !isRunFailure(lost)) withRunResults(lost, error.results);
  if (error instanceof SeedError && error.executionId !== undefined) lost.executionId ??= error.executionId;
  return lost;
}

/** Runs `work`, reporting a lost connection as lost "during `phase`". */
export async function duringPhase<T>(phase: string, work: () => Promise<T>, outcome?: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asConnectionLost(error, phase, outcome);
  }
}
