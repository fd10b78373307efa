import type { CatalogItem } from '../backup/catalog.js';
import { checkBackupKey } from '../backup/restore-key.js';
import { checkBackup, type HeldRead, planAgainstLive, streamBackup } from '../backup/restore/check-backup.js';
import type { BackupEvent } from '../backup/restore/read-backup.js';
import { loadBackup } from '../backup/restore/load-backup.js';
import { withLoadSession } from '../backup/restore/open-load-session.js';
import {
  type RestoreTarget,
  resolveRestoreTarget,
  resolveRollbackTarget,
} from '../backup/restore/resolve-target.js';
import { type RestoreStage, restoreFailure } from '../backup/restore/restore-failure.js';
import type { RestoreEvents } from '../backup/restore/restore-events.js';
import { fullStack } from '../errors.js';
import type { ExecutionTracker } from '../tracking/executions.js';
import { recordRefused, withExecution } from '../tracking/with-execution.js';
import { NotFoundError, SeedError } from '../errors.js';
import type { OperationDeps } from './deps.js';
import { restoreEventsTo } from './events.js';
import { type BackupSkipReason, recordSkippedBackup, takeRecordedBackup } from './recorded-backup.js';

export type { RestoreTarget };

export interface RestoreOptions {
  /** Which backup: a key, the one an execution took, or (neither) the latest of this schema. */
  target: RestoreTarget;
  /** Take a safety backup first: `rollback <this execution>` undoes the restore. */
  backup: boolean;
  /** Why no safety backup is taken when `backup` is false, in the caller's words. */
  skipReason?: BackupSkipReason | undefined;
  /** Asked once the backup is chosen, before anything is written (the CLI's prompt); throws to stop. */
  confirm?: ((item: CatalogItem) => Promise<void>) | undefined;
}

/** `restore --json`, and the API's restore response. */
export interface RestoreResult {
  success: true;
  execution_id: number;
  key: string;
  tables: Record<string, number>;
  safety_backup_key: string | null;
  warnings: string[];
}

/** `rollback --json`: a restore of the backup taken before `rolled_back_execution_id`. */
export interface RollbackResult extends RestoreResult {
  rolled_back_execution_id: number;
}

/**
 * Restores a backup into the backed-up tables, atomically: the target is resolved once, validated
 * against the live schema before anything is written, a safety backup first, then one
 * transaction that either replaces every row exactly or leaves the database as it was.
 */
export async function restoreOperation(deps: OperationDeps, options: RestoreOptions): Promise<RestoreResult> {
  if (options.target.key !== undefined) checkBackupKey(options.target.key, deps.config);
  const recordOptions = {
    key: options.target.key ?? null,
    execution_id: options.target.executionId ?? null,
    backup: options.backup,
  };
  // "Latest" is chosen before anything else happens (the safety backup is never a candidate anyway).
  const item = await refusalsRecorded(deps, 'restore', recordOptions, async () =>
    resolveRestoreTarget(deps.database, await deps.store.open(), options.target),
  );
  await options.confirm?.(item);
  const result = await runRestore(deps, item, {
    command: 'restore',
    backup: options.backup,
    skipReason: options.skipReason,
    recordOptions,
  });
  return { ...result, warnings: [...deps.store.warnings, ...result.warnings] };
}

export interface RollbackOptions {
  /** The execution to undo; default: the latest change that took a backup. */
  executionId?: number | undefined;
  backup: boolean;
  skipReason?: BackupSkipReason | undefined;
  confirm?: ((item: CatalogItem, executionId: number) => Promise<void>) | undefined;
}

/** `rollback [ID]`: restores the backup taken before execution ID. */
export async function rollbackOperation(
  deps: OperationDeps,
  options: RollbackOptions,
): Promise<RollbackResult> {
  const target = await refusalsRecorded(
    deps,
    'rollback',
    { execution_id: options.executionId ?? null, backup: options.backup },
    async () => resolveRollbackTarget(deps.database, await deps.store.open(), options.executionId),
  );
  await options.confirm?.(target.item, target.executionId);
  const result = await runRestore(deps, target.item, {
    command: 'rollback',
    backup: options.backup,
    skipReason: options.skipReason,
    recordOptions: { execution_id: target.executionId, backup: options.backup },
  });
  return {
    ...result,
    warnings: [...deps.store.warnings, ...result.warnings],
    rolled_back_execution_id: target.executionId,
  };
}

/** Runs `resolve`; a refusal (unknown or invalid backup) is recorded as a failed execution first. */
async function refusalsRecorded<T>(
  deps: OperationDeps,
  command: 'restore' | 'rollback',
  options: Record<string, unknown>,
  resolve: () => Promise<T>,
): Promise<T> {
  try {
    return await resolve();
  } catch (error) {
    if (error instanceof NotFoundError || (error instanceof SeedError && error.code === 'BACKUP_INVALID')) {
      await recordRefused(deps.database, { command, ...deps.origin, options, redact: deps.redact }, error);
    }
    throw error;
  }
}

interface RunOptions {
  command: 'restore' | 'rollback';
  backup: boolean;
  skipReason: BackupSkipReason | undefined;
  recordOptions: Record<string, unknown>;
}

async function runRestore(deps: OperationDeps, item: CatalogItem, run: RunOptions): Promise<RestoreResult> {
  const events = restoreEventsTo(deps.events);
  return withExecution(
    deps.database,
    {
      command: run.command,
      ...deps.origin,
      options: { ...run.recordOptions, restore_key: item.key },
      lockTimeoutSeconds: deps.lockTimeoutSeconds,
      redact: deps.redact,
      signal: deps.signal,
    },
    async ({ id, tracker }) => {
      const started = performance.now();
      events.started({ executionId: id, command: run.command, key: item.key });
      let stage: RestoreStage = 'check';
      let held: HeldRead | null = null;
      try {
        const store = await deps.store.open();
        const safetyFirst = run.backup && deps.config.backup.enabled;
        // One download serves the check and the load — unless a safety backup comes between, during
        // which a remote store could drop a paused download (a local file cannot).
        const checked = await checkBackup(deps.database, store, item, deps.signal, {
          keepReading: store.holdsReadsOpen || !safetyFirst,
        });
        held = checked.rest;
        const warnings = [...checked.plan.warnings];
        for (const warning of warnings) events.warning(warning);
        stage = 'safety-backup';
        const safety = await safetyBackup(deps, run, id, tracker);
        if (safety.warning) {
          warnings.push(safety.warning);
          events.warning(safety.warning);
        }
        deps.signal.throwIfAborted();
        stage = 'load';
        const source = held?.events ?? streamBackup(store, item, deps.signal);
        const tables = await loadInOneTransaction(deps, events, item, id, source);
        await tracker.recordRestoredKey(id, item.key);
        events.completed({
          executionId: id,
          command: run.command,
          key: item.key,
          tables,
          safetyBackupKey: safety.key,
          durationMs: Math.round(performance.now() - started),
        });
        const result: RestoreResult = {
          success: true,
          execution_id: id,
          key: item.key,
          tables,
          safety_backup_key: safety.key,
          warnings,
        };
        return { value: result, results: { key: item.key, tables, safety_backup_key: safety.key, warnings } };
      } catch (error) {
        await held?.close().catch(() => undefined);
        const failure = restoreFailure(error, {
          stage,
          key: item.key,
          command: run.command,
          signal: deps.signal,
        });
        events.failed({
          executionId: id,
          command: run.command,
          key: item.key,
          error: failure.message,
          stack: fullStack(failure),
        });
        throw failure;
      }
    },
  );
}

/** The backup taken first, recorded on the execution so `rollback <id>` finds it; skipped on request. */
async function safetyBackup(
  deps: OperationDeps,
  run: RunOptions,
  executionId: number,
  tracker: ExecutionTracker,
): Promise<{ key: string | null; warning?: string }> {
  if (run.backup && deps.config.backup.enabled) {
    const result = await takeRecordedBackup(deps, { executionId, takenBy: run.command, tracker });
    return { key: result.key };
  }
  const why = await recordSkippedBackup(deps, tracker, executionId, run.backup, run.skipReason);
  return {
    key: null,
    warning: `No safety backup was taken (${why}): this ${run.command} cannot be rolled back.`,
  };
}

/** Streams the backup into the database on a session of its own; returns rows restored per table. */
async function loadInOneTransaction(
  deps: OperationDeps,
  events: RestoreEvents,
  item: CatalogItem,
  executionId: number,
  source: AsyncGenerator<BackupEvent>,
): Promise<Record<string, number>> {
  const { database } = deps;
  const expected = item.manifest.tables;
  const totalRows = Object.values(expected).reduce((sum, rows) => sum + rows, 0);
  const outcome = await withLoadSession(database, (session) =>
    loadBackup({
      session,
      schema: database.schema,
      events: source,
      plan: (metadata) => planAgainstLive(session, database.schema, item, metadata),
      signal: deps.signal,
      lockTimeoutMs: deps.lockTimeoutSeconds * 1000,
      onProgress: (p) =>
        events.progress({
          executionId,
          table: p.table,
          rows: p.rows,
          bytes: p.compressedBytes,
          ...(Object.hasOwn(expected, p.table) ? { expectedRows: expected[p.table], totalRows } : {}),
        }),
    }),
  );
  return outcome.tables;
}
