import type { BackupManifest } from '../backup/format.js';
import { type BackupResult, takeBackup } from '../backup/take-backup.js';
import type { ExecutionTracker } from '../tracking/executions.js';
import type { OperationDeps } from './deps.js';
import { backupEventsTo } from './events.js';

/** Why a caller asked for no backup, in its own words (the CLI's flag, the API's field). */
export type BackupSkipReason = string;

const CLI_SKIP_REASON: BackupSkipReason = '--no-backup was given';

/**
 * Takes a backup for an execution and records it there: key, size, sha256 and row counts when it
 * succeeds, status `failed` and the reason when it does not (then rethrows).
 */
export async function takeRecordedBackup(
  deps: OperationDeps,
  request: { executionId: number; takenBy: BackupManifest['taken_by']; tracker: ExecutionTracker },
): Promise<BackupResult> {
  const { executionId, tracker } = request;
  let result: BackupResult;
  try {
    result = await takeBackup({
      database: deps.database,
      store: await deps.store.open(),
      executionId,
      takenBy: request.takenBy,
      config: deps.config,
      signal: deps.signal,
      events: backupEventsTo(deps.events, executionId),
    });
  } catch (error) {
    await tracker
      .recordBackup(executionId, { key: null, status: 'failed', error: (error as Error).message })
      .catch(() => undefined);
    throw error;
  }
  await tracker.recordBackup(executionId, {
    key: result.key,
    size: result.size,
    sha256: result.sha256,
    status: 'completed',
    tables: result.tables,
  });
  return result;
}

/** Records that no backup was taken and returns why, for the operation's warning. */
export async function recordSkippedBackup(
  deps: OperationDeps,
  tracker: ExecutionTracker,
  executionId: number,
  wanted: boolean,
  reason: BackupSkipReason = CLI_SKIP_REASON,
): Promise<string> {
  await tracker.recordBackup(executionId, { key: null, status: 'skipped' });
  return wanted && !deps.config.backup.enabled ? 'backup.enabled is false in the config' : reason;
}
