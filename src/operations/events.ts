import type { BackupEvents, BackupResult } from '../backup/take-backup.js';
import type { RestoreEvents } from '../backup/restore/restore-events.js';
import { fullStack } from '../errors.js';
import type { RunEvents } from '../seeding/run-events.js';

/**
 * Everything an operation reports while it works, one shape for every sink: the CLI's terminal
 * and `--log-format json`, `serve`'s log, and any sink added later. Field names are the JSON
 * log's; `*_progress` events are for live displays and are not written to logs.
 */
export type OperationEvent =
  | { event: 'seeder_started'; execution_id: number; seeder: string }
  | {
      event: 'seeder_completed';
      execution_id: number;
      seeder: string;
      created: number;
      updated: number;
      deleted: number;
      duration_ms: number;
    }
  | { event: 'seeder_failed'; execution_id: number; seeder: string; error: string; stack?: string }
  | { event: 'backup_started'; execution_id: number; key: string }
  | {
      event: 'backup_progress';
      execution_id: number;
      table: string;
      rows: number;
      bytes: number;
      /** The catalog's estimate of `table`'s rows (pg_class.reltuples). */
      estimated_rows?: number;
      /** The same estimate summed over every table in the backup. */
      total_rows?: number;
    }
  | {
      event: 'backup_completed';
      execution_id: number;
      key: string;
      size: number;
      sha256: string;
      uncompressed_size: number;
      tables: Record<string, number>;
      duration_ms: number;
    }
  | { event: 'backup_failed'; execution_id: number; code: string; error: string; stack?: string }
  | { event: 'restore_started'; execution_id: number; command: string; key: string }
  | {
      event: 'restore_progress';
      execution_id: number;
      table: string;
      rows: number;
      bytes: number;
      /** `table`'s rows in the backup (its manifest). */
      expected_rows?: number;
      /** Every table's rows in the backup. */
      total_rows?: number;
    }
  | {
      event: 'restore_completed';
      execution_id: number;
      command: string;
      key: string;
      tables: Record<string, number>;
      safety_backup_key: string | null;
      duration_ms: number;
    }
  | {
      event: 'restore_failed';
      execution_id: number;
      command: string;
      key: string;
      error: string;
      stack?: string;
    }
  | { event: 'warning'; message: string };

/** Receives an operation's events; must not throw (a display problem never fails an operation). */
export type EventSink = (event: OperationEvent) => void;

/** True for the live-progress events that logs leave out. */
export function isProgress(event: OperationEvent): boolean {
  return event.event === 'backup_progress' || event.event === 'restore_progress';
}

/** `stack` is left out rather than `undefined` (the events are JSON). */
function withStack(stack: string | undefined): { stack?: string } {
  return stack === undefined ? {} : { stack };
}

/** A seeding run's callbacks as events. */
export function runEventsTo(sink: EventSink): RunEvents {
  return {
    seederStarted: ({ executionId, seeder }) =>
      sink({ event: 'seeder_started', execution_id: executionId, seeder }),
    seederCompleted: ({ executionId, seeder, created, updated, deleted, durationMs }) =>
      sink({
        event: 'seeder_completed',
        execution_id: executionId,
        seeder,
        created,
        updated,
        deleted,
        duration_ms: durationMs,
      }),
    seederFailed: ({ executionId, seeder, error, stack }) =>
      sink({ event: 'seeder_failed', execution_id: executionId, seeder, error, ...withStack(stack) }),
    warning: (message) => sink({ event: 'warning', message }),
  };
}

/** One backup's callbacks as events, for the execution taking it. */
export function backupEventsTo(sink: EventSink, executionId: number): BackupEvents {
  let started = Date.now();
  return {
    started({ key }) {
      started = Date.now();
      sink({ event: 'backup_started', execution_id: executionId, key });
    },
    progress: ({ table, rows, bytes, estimatedRows, totalRows }) =>
      sink({
        event: 'backup_progress',
        execution_id: executionId,
        table,
        rows,
        bytes,
        ...(estimatedRows === undefined ? {} : { estimated_rows: estimatedRows }),
        ...(totalRows === undefined ? {} : { total_rows: totalRows }),
      }),
    completed: (result: BackupResult) =>
      sink({
        event: 'backup_completed',
        execution_id: executionId,
        key: result.key,
        size: result.size,
        sha256: result.sha256,
        uncompressed_size: result.uncompressed_size,
        tables: result.tables,
        duration_ms: Date.now() - started,
      }),
    failed: (error) =>
      sink({
        event: 'backup_failed',
        execution_id: executionId,
        code: error.code,
        error: error.message,
        ...withStack(fullStack(error)),
      }),
  };
}

/** A restore's callbacks as events. */
export function restoreEventsTo(sink: EventSink): RestoreEvents {
  return {
    started: ({ executionId, command, key }) =>
      sink({ event: 'restore_started', execution_id: executionId, command, key }),
    progress: ({ executionId, table, rows, bytes, expectedRows, totalRows }) =>
      sink({
        event: 'restore_progress',
        execution_id: executionId,
        table,
        rows,
        bytes,
        ...(expectedRows === undefined ? {} : { expected_rows: expectedRows }),
        ...(totalRows === undefined ? {} : { total_rows: totalRows }),
      }),
    completed: ({ executionId, command, key, tables, safetyBackupKey, durationMs }) =>
      sink({
        event: 'restore_completed',
        execution_id: executionId,
        command,
        key,
        tables,
        safety_backup_key: safetyBackupKey,
        duration_ms: durationMs,
      }),
    failed: ({ executionId, command, key, error, stack }) =>
      sink({ event: 'restore_failed', execution_id: executionId, command, key, error, ...withStack(stack) }),
    warning: (message) => sink({ event: 'warning', message }),
  };
}
