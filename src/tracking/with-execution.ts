import type { Database } from '../db/database.js';
import { safeErrorMessage, safeErrorStack } from '../db/describe-pg-error.js';
import { CancelledError, isRunFailure, LockedError, SeedError } from '../errors.js';
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
  await migrateTracking(database);
  const tracker = new ExecutionTracker(database, { redact: execution.redact });
  const id = await tracker.create(execution);
  const release = await database.acquireRunLock(execution.lockTimeoutSeconds * 1000, execution.signal);
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
    await tracker.markInterrupted(id);
    await tracker.setStatus(id, 'running');
    const outcome = await body({ id, tracker });
    await finishOnce(tracker, id, { status: 'completed', results: outcome.results });
    return outcome.value;
  } catch (error) {
    const results = isRunFailure(error) ? error.results : undefined;
    await finishOnce(tracker, id, {
      status: 'failed',
      results,
      // A raw database error would put the row it failed on into the ledger.
      error: { message: safeErrorMessage(error), stack: safeErrorStack(error) },
    }).catch(() => undefined);
    if (error instanceof SeedError) error.executionId = id;
    throw error;
  } finally {
    await release();
  }
}

/**
 * Writes the final status, retrying once: Ctrl-C cancels the statements this process has running
 * at that moment, and that can be this very write.
 */
async function finishOnce(tracker: ExecutionTracker, id: number, finish: Finish): Promise<void> {
  try {
    await tracker.finish(id, finish);
  } catch {
    await tracker.finish(id, finish);
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
