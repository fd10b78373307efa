import type { Config } from '../config/schema.js';
import type { Database } from '../db/database.js';
import type { Output } from '../cli/output.js';
import { OperationError, SeedError } from '../errors.js';
import type { PreSeedOutcome } from '../seeding/run-seeders.js';
import { ExecutionTracker } from '../tracking/executions.js';
import { openStore } from './stores/open-store.js';
import { takeAndRecordBackup, type BackupEvents, type BackupResult } from './take-backup.js';

export interface BackupBeforeSeeding {
  config: Config;
  database: Database;
  executionId: number;
  enabled: boolean;
  /** `--require-backup`: a failed backup aborts the run before anything is written. */
  required: boolean;
  out: Output;
  /** Aborts the backup (Ctrl-C); the run then stops as cancelled. */
  signal?: AbortSignal | undefined;
}

/**
 * The backup `run` takes before seeding, recorded on the run's execution. When it fails the run
 * still seeds — `backup_created: false` and a warning, as the guide specifies — unless the backup
 * is required, in which case this throws before the seeding transaction opens.
 */
export async function backupBeforeSeeding(request: BackupBeforeSeeding): Promise<PreSeedOutcome> {
  const { config, database, executionId, out } = request;
  const tracker = new ExecutionTracker(database, { redact: (text) => out.redact(text) });
  if (!request.enabled || !config.backup.enabled) {
    await tracker.recordBackup(executionId, { key: null, status: 'skipped' });
    return { backupCreated: false, backupKey: null, warnings: [] };
  }
  const events = await createBackupReporter(out, executionId);
  const warnings: string[] = [];
  try {
    const opened = await openStore(config, database);
    for (const warning of opened.warnings) out.warn(warning);
    warnings.push(...opened.warnings);
    const result = await takeAndRecordBackup({
      database,
      store: opened.store,
      executionId,
      takenBy: 'run',
      config,
      signal: request.signal,
      events,
      tracker,
    });
    return { backupCreated: true, backupKey: result.key, warnings };
  } catch (error) {
    if (request.signal?.aborted || (error instanceof SeedError && error.code === 'CANCELLED')) throw error;
    // openStore failures happen before takeBackup could record anything.
    await tracker
      .recordBackup(executionId, { key: null, status: 'failed', error: (error as Error).message })
      .catch(() => undefined);
    if (request.required) {
      throw new OperationError(
        'BACKUP_FAILED',
        `${(error as Error).message} --require-backup is set, so the run stopped before seeding: nothing was written. ` +
          'Fix the backup (or run without --require-backup to seed without one).',
        { cause: error },
      );
    }
    const warning = `${(error as Error).message} Seeding proceeds without a backup (pass --require-backup to stop instead).`;
    out.warn(warning);
    return { backupCreated: false, backupKey: null, warnings: [...warnings, warning] };
  }
}

/**
 * Renders a backup's progress: JSON events with `--log-format json` (backup_started,
 * backup_completed, backup_failed), an ora spinner with table / rows / bytes on a terminal,
 * and a one-line summary otherwise.
 */
export async function createBackupReporter(out: Output, executionId: number): Promise<BackupEvents> {
  // A pseudo-terminal without a width (some CI runners) would make ora redraw an ever-growing block.
  const width = (out.stderr as { columns?: number }).columns ?? 0;
  const ora = out.interactive && width > 0 ? (await import('ora')).default : null;
  const spinner = ora ? ora({ text: 'Backing up…', stream: out.stderr }) : null;
  let lastDraw = 0;
  const started = Date.now();
  return {
    started({ key }) {
      out.event('backup_started', { execution_id: executionId, key });
      spinner?.start(`Backing up to ${key}…`);
    },
    progress({ table, rows, bytes }) {
      if (!spinner || Date.now() - lastDraw < 100) return;
      lastDraw = Date.now();
      spinner.text = `Backing up ${table}: ${rows.toLocaleString('en-US')} rows, ${formatBytes(bytes)} written`;
    },
    completed(result: BackupResult) {
      const rows = Object.values(result.tables).reduce((sum, n) => sum + n, 0);
      out.event('backup_completed', {
        execution_id: executionId,
        key: result.key,
        size: result.size,
        sha256: result.sha256,
        uncompressed_size: result.uncompressed_size,
        tables: result.tables,
        duration_ms: Date.now() - started,
      });
      const text = `Backup ${result.key}: ${Object.keys(result.tables).length} tables, ${rows.toLocaleString('en-US')} rows, ${formatBytes(result.size)}`;
      if (spinner) spinner.succeed(text);
      else out.info(text);
    },
    failed(error) {
      out.event('backup_failed', { execution_id: executionId, code: error.code, error: error.message });
      spinner?.fail('Backup failed');
    },
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
