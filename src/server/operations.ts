import { type BackupListItem, listBackupItems } from '../backup/backup-list.js';
import type { BackupStore } from '../backup/store.js';
import { openStore } from '../backup/stores/open-store.js';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/database.js';
import { migrateTracking } from '../migrations/migrate.js';
import { type BackupOperationResult, backupOperation } from '../operations/backup.js';
import { type OperationDeps, operationDeps } from '../operations/deps.js';
import { resetOperation } from '../operations/reset.js';
import { type RestoreResult, type RestoreTarget, restoreOperation } from '../operations/restore.js';
import { type RunResult, runOperation } from '../operations/run.js';
import type { ExecutionDocument } from '../tracking/execution-document.js';
import { ExecutionTracker } from '../tracking/executions.js';
import { clientSafe } from './hide-paths.js';
import { onceUntilSuccess } from './once.js';
import { logEvents } from './log-events.js';
import type { ServerLogger } from './logger.js';

/** The authenticated user an operation runs for: recorded on the execution. */
export interface Actor {
  userId: number;
}

export type { RestoreTarget };

/** What the API does, as the app depends on it (tests may substitute their own). */
export interface Operations {
  execute(actor: Actor, options: { createBackup: boolean }): Promise<RunResult>;
  reset(actor: Actor, options: { createBackup: boolean; cascade: boolean }): Promise<RunResult>;
  /** `{}` restores the latest complete backup; else a key, or the backup an execution took. */
  restore(actor: Actor, target: RestoreTarget, options: { createBackup: boolean }): Promise<RestoreResult>;
  /** A backup only, recorded as execution `backup`. */
  backup(actor: Actor): Promise<BackupOperationResult>;
  /** Complete backups in the configured store, newest first (the items of `backups --json`). */
  backups(skip: number, limit: number): Promise<{ items: BackupListItem[]; total: number }>;
  list(skip: number, limit: number): Promise<{ items: ExecutionDocument[]; total: number }>;
  get(id: number): Promise<ExecutionDocument | null>;
}

export interface OperationsDeps {
  config: Config;
  production: boolean;
  database: Database;
  /** Masks secrets in what the ledger records. */
  redact: (text: string) => string;
  logger: ServerLogger;
  /** Aborted when shutdown's grace period runs out: the open transaction is rolled back. */
  signal: AbortSignal;
}

/** API wording for "no backup was asked for" (the CLI says `--no-backup was given`). */
const API_SKIP_REASON = 'create_backup was false';

/** The real operations: the same functions the CLI commands call, with source `api`. */
export function createOperations(deps: OperationsDeps): Operations {
  const { config, database } = deps;
  const tracker = new ExecutionTracker(database);
  // `history`/`show` create the tracking table when missing; the API does the same, once.
  const ensureTracking = onceUntilSuccess(() => migrateTracking(database));
  const events = logEvents(deps.logger);
  const { hide, redact } = clientSafe(config, deps.redact);
  /** What the API sends and records names backup keys, never this server's folders. */
  const hidingErrors = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (error) {
      if (error instanceof Error) error.message = hide(error.message);
      throw error;
    }
  };
  const forClients = async <T extends { warnings: string[] }>(work: Promise<T>): Promise<T> => {
    const result = await hidingErrors(work);
    return { ...result, warnings: result.warnings.map(hide) };
  };
  let store: Promise<BackupStore> | undefined;
  // One store for every listing (an S3 client is built once), reopened after a failure.
  const listingStore = () =>
    (store ??= openStore(config, database).then(
      (opened) => opened.store,
      (error: unknown) => {
        store = undefined;
        throw error;
      },
    ));
  const forActor = (actor: Actor): OperationDeps =>
    operationDeps({
      database,
      config,
      signal: deps.signal,
      events,
      origin: { triggeredBy: `api:user:${actor.userId}`, source: 'api', userId: actor.userId },
      lockTimeoutSeconds: config.server.lockTimeout,
      production: deps.production,
      redact,
    });

  return {
    execute: (actor, { createBackup }) =>
      forClients(
        runOperation(forActor(actor), { dryRun: false, backup: createBackup, requireBackup: false }),
      ),
    reset: (actor, { createBackup, cascade }) =>
      forClients(
        resetOperation(forActor(actor), { backup: createBackup, cascade, skipReason: API_SKIP_REASON }),
      ),
    restore: (actor, target, { createBackup }) =>
      forClients(
        restoreOperation(forActor(actor), { target, backup: createBackup, skipReason: API_SKIP_REASON }),
      ),
    backup: (actor) => forClients(backupOperation(forActor(actor))),
    backups: (skip, limit) =>
      hidingErrors(listingStore().then((opened) => listBackupItems(opened, { skip, limit }))),
    async list(skip, limit) {
      await ensureTracking();
      return tracker.list(skip, limit);
    },
    async get(id) {
      await ensureTracking();
      return tracker.get(id);
    },
  };
}
