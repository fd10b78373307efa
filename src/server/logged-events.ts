import type { BackupEvents } from '../backup/take-backup.js';
import type { RestoreEvents } from '../backup/restore-backup.js';
import type { RunEvents } from '../seeding/run-events.js';
import type { ServerLogger } from './logger.js';

/** A run's progress as server log lines: the CLI's event names, without spinners. */
export function loggedRunEvents(logger: ServerLogger): RunEvents {
  return {
    seederStarted: ({ executionId, seeder }) =>
      logger.info('seeder_started', `→ ${seeder} … (execution #${executionId})`, {
        execution_id: executionId,
        seeder,
      }),
    seederCompleted: ({ executionId, seeder, created, updated, deleted, durationMs }) =>
      logger.info(
        'seeder_completed',
        `✓ ${seeder}: ${created} created, ${updated} updated, ${deleted} deleted (${durationMs} ms)`,
        {
          execution_id: executionId,
          seeder,
          created,
          updated,
          deleted,
          duration_ms: durationMs,
        },
      ),
    seederFailed: ({ executionId, seeder, error }) =>
      logger.error('seeder_failed', `✗ ${seeder} failed: ${error}`, {
        execution_id: executionId,
        seeder,
        error,
      }),
    warning: (message) => logger.warn('warning', message),
  };
}

/** A restore's progress (start, completion, failure; per-table progress is too chatty for a log). */
export function loggedRestoreEvents(logger: ServerLogger): RestoreEvents {
  return {
    started: ({ executionId, command, key }) =>
      logger.info('restore_started', `Restoring ${key} (execution #${executionId}, ${command})…`, {
        execution_id: executionId,
        command,
        key,
      }),
    progress: () => undefined,
    completed: ({ executionId, command, key, tables, safetyBackupKey, durationMs }) =>
      logger.info(
        'restore_completed',
        `Restored ${key}: ${Object.keys(tables).length} tables (${durationMs} ms).`,
        {
          execution_id: executionId,
          command,
          key,
          tables,
          safety_backup_key: safetyBackupKey,
          duration_ms: durationMs,
        },
      ),
    failed: ({ executionId, command, key, error }) =>
      logger.error('restore_failed', `Restore of ${key} failed: ${error}`, {
        execution_id: executionId,
        command,
        key,
        error,
      }),
    warning: (message) => logger.warn('warning', message),
  };
}

/** The backup a reset or restore takes first, per execution. */
export function loggedBackupEvents(logger: ServerLogger): (executionId: number) => BackupEvents {
  return (executionId) => ({
    started: ({ key }) =>
      logger.info('backup_started', `Backing up to ${key} (execution #${executionId})…`, {
        execution_id: executionId,
        key,
      }),
    completed: (result) =>
      logger.info(
        'backup_completed',
        `Backup ${result.key}: ${Object.keys(result.tables).length} tables, ${result.size} bytes.`,
        {
          execution_id: executionId,
          key: result.key,
          size: result.size,
          sha256: result.sha256,
          tables: result.tables,
        },
      ),
    failed: (error) =>
      logger.error('backup_failed', `Backup failed: ${error.message}`, {
        execution_id: executionId,
        code: error.code,
        error: error.message,
      }),
  });
}
