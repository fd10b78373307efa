import { isDatabaseError, describeDatabaseError as describeSafely } from '../../db/describe-pg-error.js';
import { asConnectionLost } from '../../db/connection-lost.js';
import { CancelledError, ConnectionLostError, OperationError, SeedError } from '../../errors.js';
import { PlanProblems } from './plan-restore.js';
import { BackupReadError } from './read-backup.js';

/** How far a restore got: what the failure message can promise about the database. */
export type RestoreStage = 'check' | 'safety-backup' | 'load';

interface FailureContext {
  stage: RestoreStage;
  key: string;
  command: string;
  signal: AbortSignal;
}

const UNCHANGED: Record<RestoreStage, string> = {
  check: 'Nothing was changed: the check runs before anything is written.',
  'safety-backup': 'Nothing was restored; the database is unchanged.',
  load: 'The restore transaction was rolled back: the database is exactly as it was before.',
};

const PHASE: Record<RestoreStage, string> = {
  check: 'the restore check',
  'safety-backup': 'the safety backup',
  load: 'the restore',
};

/**
 * Turns whatever stopped a restore into one typed error whose one-line message says what
 * happened, what the database looks like now, and what to do next.
 */
export function restoreFailure(error: unknown, context: FailureContext): SeedError {
  const { stage, key } = context;
  const unchanged = UNCHANGED[stage];
  if (context.signal.aborted || (error instanceof SeedError && error.code === 'CANCELLED')) {
    return new CancelledError(`The ${context.command} of ${key} was cancelled. ${unchanged}`);
  }
  const lost = asConnectionLost(error, PHASE[stage], unchanged);
  if (lost instanceof ConnectionLostError) return lost;
  if (error instanceof BackupReadError || error instanceof PlanProblems) {
    const what =
      error instanceof PlanProblems
        ? 'cannot be restored into this database'
        : 'is damaged or not a foodfleet-seed backup';
    return new OperationError(
      'BACKUP_INVALID',
      oneLine(
        `Backup ${key} ${what}: ${error.message}. ${unchanged} Pick another backup (foodfleet-seed backups) or check it with: foodfleet-seed backups verify --key ${key}`,
      ),
      { cause: error },
    );
  }
  if (stage === 'safety-backup') {
    const message = oneLine(
      `The safety backup before the ${context.command} failed — ${stripEnd((error as Error).message)}. ${unchanged} Fix the backup store and retry, or pass --no-backup to ${context.command} without a safety backup.`,
    );
    return new OperationError(error instanceof SeedError ? error.code : 'BACKUP_FAILED', message, {
      cause: error,
      exitCode: error instanceof SeedError ? error.exitCode : undefined,
    });
  }
  if (error instanceof SeedError) {
    if (stage === 'check') return error; // store / lookup errors already say that nothing was changed
    return new OperationError(error.code, oneLine(`${stripEnd(error.message)}. ${unchanged}`), {
      cause: error,
      exitCode: error.exitCode,
    });
  }
  return new OperationError(
    'RESTORE_FAILED',
    oneLine(
      `Restoring ${key} failed: ${describeDatabaseError(error)}. ${unchanged} Fix the cause and retry.`,
    ),
    { cause: error },
  );
}

/**
 * What the database said, without the row it said it about (`Failing row contains …` would put
 * a password hash in the response and the ledger): table, constraint, columns, the COPY row.
 */
function describeDatabaseError(error: unknown): string {
  if (!isDatabaseError(error)) return stripEnd((error as Error)?.message ?? String(error));
  let text = stripEnd(describeSafely(error));
  if (error.code === '55P03')
    text +=
      ' (timed out waiting for a table lock: something else is using these tables; retry when it is done or raise --lock-timeout)';
  return text;
}

function stripEnd(text: string): string {
  return text.trim().replace(/[.\s]+$/, '');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
