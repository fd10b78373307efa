import type { ExecutionOrigin } from '../tracking/executions.js';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/database.js';
import type { ExecutionTracker } from '../tracking/executions.js';
import { withExecution } from '../tracking/with-execution.js';
import type { CatalogItem } from './catalog.js';
import { checkBackup, planAgainstLive, streamBackup } from './restore/check-backup.js';
import { loadBackup } from './restore/load-backup.js';
import { withLoadSession } from './restore/open-load-session.js';
import { restoreFailure, type RestoreStage } from './restore/restore-failure.js';
import type { RestoreEvents } from './restore/restore-events.js';
import { resolveRestoreTarget, resolveRollbackTarget, type RestoreTarget } from './restore/resolve-target.js';
import type { BackupStore } from './store.js';
import { takeAndRecordBackup } from './take-backup.js';
import { backupEventsFor, type BackupEventsSource } from './restore/backup-events-source.js';

export type { RestoreEvents } from './restore/restore-events.js';
export { silentRestoreEvents } from './restore/restore-events.js';
export { resolveRestoreTarget, resolveRollbackTarget, type RestoreTarget } from './restore/resolve-target.js';

/** What every destructive backup command needs; the CLI and the HTTP API each build one. */
export interface RestoreDeps extends ExecutionOrigin {
  database: Database;
  store: BackupStore;
  config: Config;
  /** Aborted on Ctrl-C / SIGTERM / server shutdown: the transaction rolls back. */
  signal: AbortSignal;
  events: RestoreEvents;
  /** Progress of the safety backup taken first (built once the execution id is known). */
  backupEvents?: BackupEventsSource | undefined;
}

export interface RestoreOptions extends RestoreTarget {
  /** Take a safety backup first (default true): `rollback <this execution>` undoes the restore. */
  backup?: boolean | undefined;
  /** The backup, when the caller already resolved it (e.g. to ask for confirmation). */
  resolved?: CatalogItem | undefined;
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
 * Restores a backup (latest by default, or by key, or the one an execution took) into the
 * backed-up tables, atomically: validated against the live schema before anything is written, a
 * safety backup first, then one transaction that either replaces every row exactly or leaves the
 * database exactly as it was. Recorded as an execution with the key restored.
 */
export async function restoreBackup(deps: RestoreDeps, options: RestoreOptions = {}): Promise<RestoreResult> {
  // "Latest" is chosen before anything else happens (the safety backup is never a candidate anyway).
  const item = options.resolved ?? (await resolveRestoreTarget(deps.database, deps.store, options));
  return runRestore(deps, item, {
    command: 'restore',
    backup: options.backup !== false,
    recordOptions: {
      key: options.key ?? null,
      execution_id: options.executionId ?? null,
      backup: options.backup !== false,
    },
  });
}

/** `rollback [ID]`: restores the backup taken before execution ID (default: the latest change that took one). */
export async function rollbackExecution(
  deps: RestoreDeps,
  options: {
    executionId?: number | undefined;
    backup?: boolean | undefined;
    resolved?: { item: CatalogItem; executionId: number } | undefined;
  } = {},
): Promise<RollbackResult> {
  const target =
    options.resolved ?? (await resolveRollbackTarget(deps.database, deps.store, options.executionId));
  const result = await runRestore(deps, target.item, {
    command: 'rollback',
    backup: options.backup !== false,
    recordOptions: { execution_id: target.executionId, backup: options.backup !== false },
  });
  return { ...result, rolled_back_execution_id: target.executionId };
}

interface RunOptions {
  command: 'restore' | 'rollback';
  backup: boolean;
  recordOptions: Record<string, unknown>;
}

async function runRestore(deps: RestoreDeps, item: CatalogItem, run: RunOptions): Promise<RestoreResult> {
  const { events } = deps;
  return withExecution(
    deps.database,
    {
      command: run.command,
      triggeredBy: deps.triggeredBy,
      source: deps.source,
      userId: deps.userId ?? null,
      options: { ...run.recordOptions, restore_key: item.key },
      lockTimeoutSeconds: deps.lockTimeoutSeconds ?? deps.config.lockTimeout,
      redact: deps.redact,
      signal: deps.signal,
    },
    async ({ id, tracker }) => {
      const started = performance.now();
      events.started({ executionId: id, command: run.command, key: item.key });
      let stage: RestoreStage = 'check';
      try {
        const checked = await checkBackup(deps.database, deps.store, item, deps.signal);
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
        const tables = await loadInOneTransaction(deps, item, id);
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
        const failure = restoreFailure(error, {
          stage,
          key: item.key,
          command: run.command,
          signal: deps.signal,
        });
        events.failed({ executionId: id, command: run.command, key: item.key, error: failure.message });
        throw failure;
      }
    },
  );
}

/** The backup taken first, recorded on the execution so `rollback <id>` finds it; skipped on request. */
async function safetyBackup(
  deps: RestoreDeps,
  run: RunOptions,
  executionId: number,
  tracker: ExecutionTracker,
): Promise<{ key: string | null; warning?: string }> {
  if (run.backup && deps.config.backup.enabled) {
    const events = await backupEventsFor(deps.backupEvents, executionId);
    const result = await takeAndRecordBackup({
      database: deps.database,
      store: deps.store,
      executionId,
      takenBy: run.command,
      config: deps.config,
      signal: deps.signal,
      events,
      tracker,
    });
    return { key: result.key };
  }
  await tracker.recordBackup(executionId, { key: null, status: 'skipped' });
  const why = run.backup ? 'backup.enabled is false in the config' : '--no-backup was given';
  return {
    key: null,
    warning: `No safety backup was taken (${why}): this ${run.command} cannot be rolled back.`,
  };
}

/** Streams the backup into the database on a session of its own; returns rows restored per table. */
async function loadInOneTransaction(
  deps: RestoreDeps,
  item: CatalogItem,
  executionId: number,
): Promise<Record<string, number>> {
  const { database, events } = deps;
  const outcome = await withLoadSession(database, (session) =>
    loadBackup({
      session,
      schema: database.schema,
      events: streamBackup(deps.store, item, deps.signal),
      plan: (metadata) => planAgainstLive(session, database.schema, item, metadata),
      signal: deps.signal,
      lockTimeoutMs: (deps.lockTimeoutSeconds ?? deps.config.lockTimeout) * 1000,
      onProgress: (p) =>
        events.progress({ executionId, table: p.table, rows: p.rows, bytes: p.compressedBytes }),
    }),
  );
  return outcome.tables;
}
