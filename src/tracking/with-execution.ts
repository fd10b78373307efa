import type { Database } from '../db/database.js';
import { asConnectionLost, duringPhase } from '../db/connection-lost.js';
import { safeErrorMessage, safeErrorStack } from '../db/describe-pg-error.js';
import { CancelledError, isRunFailure, LockedError, SeedError } from '../errors.js';
import { retryWithin } from '../util/retry.js';
import { ExecutionTracker, type Finish, type NewExecution } from './executions.js';
import { migrateTracking } from '../migrations/migrate.js';
import type { Redact } from './redact-record.js';

export interface ExecutionScope {
  id: number;
  tracker: ExecutionTracker;
}

export interface ExecutionOutcome<T> {
  value: T;
  results?: unknown;
}

/**
 * Records an execution around `body` and holds the run lock while it works: pending → (lock) →
 * running → completed | failed. The lock comes first, so whatever the body reads (a backup, say)
 * is the state this execution started from.
 */
export async function withExecution<T>(
  database: Database,
  execution: NewExecution & {
    lockTimeoutSeconds: number;
    redact?: Redact | undefined;
    signal?: AbortSignal | undefined;
  },
  body: (scope: ExecutionScope) => Promise<ExecutionOutcome<T>>,
): Promise<T> {
  await duringPhase('migrations', () => migrateTracking(database));
  const tracker = new ExecutionTracker(database, { redact: execution.redact });
  const id = await duringPhase('the recording of the execution', () => tracker.create(execution));
  const release = await duringPhase('the wait for the run lock', () =>
    database.acquireRunLock(execution.lockTimeoutSeconds * 1000, execution.signal),
  ).catch(async (error: unknown) => {
    await finishFailed(tracker, id, error);
    throw error;
  });
  if (!release && execution.signal?.aborted) {
    const error = new CancelledError(
      'Cancelled while waiting for another run to release the lock; nothing was changed.',
    );
    error.executionId = id;
    await tracker.finish(id, { status: 'failed', error: { message: error.message } });
    throw error;
  }
  if (!release) {
    const holder = await tracker.findRunning(id);
    const who = holder
      ? `execution #${holder.id} (${holder.command}, by ${holder.triggered_by}, started ${holder.started_at.toISOString()})`
      : 'another foodfleet-seed process';
    const error = new LockedError(
      `Another run holds the lock: ${who}. Waited ${execution.lockTimeoutSeconds}s; nothing was changed. Retry when it has finished, or raise --lock-timeout.`,
    );
    error.executionId = id;
    await tracker.finish(id, { status: 'failed', error: { message: error.message } });
    throw error;
  }
  try {
    let outcome: ExecutionOutcome<T>;
    try {
      await tracker.markInterrupted(id);
      await tracker.setStatus(id, 'running');
      outcome = await body({ id, tracker });
    } catch (thrown) {
      const error = asConnectionLost(thrown, `the ${execution.command}`);
      await finishFailed(tracker, id, error);
      throw error;
    }
    await finishCompleted(tracker, id, outcome.results, execution.command);
    return outcome.value;
  } finally {
    await release();
  }
}

/**
 * Marks the execution completed. The work is done and committed by now, so a database that
 * stays unreachable through every retry is reported as exactly that — never as a failed run.
 */
async function finishCompleted(
  tracker: ExecutionTracker,
  id: number,
  results: unknown,
  command: string,
): Promise<void> {
  try {
    await finishOnce(tracker, id, { status: 'completed', results });
  } catch (thrown) {
    const error = asConnectionLost(
      thrown,
      'the ledger update',
      `The ${command} itself completed and was committed, but execution #${id} could not be marked completed; the next run will show it as interrupted.`,
    );
    if (error instanceof SeedError) error.executionId = id;
    throw error;
  }
}

/**
 * Records an execution refused before it could start (an unknown backup, an invalid one), so the
 * audit trail shows every request that was made, with its reason. Never masks the refusal itself.
 */
export async function recordRefused(
  database: Database,
  execution: NewExecution & { redact?: Redact | undefined },
  error: SeedError,
): Promise<void> {
  try {
    await migrateTracking(database);
    const tracker = new ExecutionTracker(database, { redact: execution.redact });
    const id = await tracker.create(execution);
    await tracker.finish(id, { status: 'failed', error: { message: error.message } });
    error.executionId = id;
  } catch {
    // The refusal is what the caller needs to hear; a ledger that cannot be written must not hide it.
  }
}

/** Records `error` as the execution's failure (best effort: see {@link finishOnce}) and tags it with the id. */
async function finishFailed(tracker: ExecutionTracker, id: number, error: unknown): Promise<void> {
  const results = isRunFailure(error) ? error.results : undefined;
  await finishOnce(tracker, id, {
    status: 'failed',
    results,
    // A raw database error would put the row it failed on into the ledger.
    error: { message: safeErrorMessage(error), stack: safeErrorStack(error) },
  }).catch(() => undefined);
  if (error instanceof SeedError) error.executionId = id;
}

/**
 * Writes the final status, retrying on a fresh connection: Ctrl-C cancels the statements this
 * process has running at that moment (that can be this very write), and a dropped connection
 * can take the pool's idle sessions with it. When the database stays unreachable, the row stays
 * `running` and the next lock holder marks it `interrupted`.
 */
async function finishOnce(tracker: ExecutionTracker, id: number, finish: Finish): Promise<void> {
  await retryWithin(FINISH_LIMITS, () => tracker.finish(id, finish));
}

/** The ledger update's budget: a deploy pipeline waits at most this long for a dead database. */
const FINISH_LIMITS = { attempts: 3, withinMs: 10_000 };
