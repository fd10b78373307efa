import type { Config } from '../config/schema.js';
import type { Output } from '../cli/output.js';
import type { Database } from '../db/database.js';
import { migrateTracking } from '../migrations/migrate.js';
import { allSeeders } from '../seeding/all-seeders.js';
import { runSeeders, type RunResult } from '../seeding/run-seeders.js';
import type { ExecutionDocument } from '../tracking/execution-document.js';
import { ExecutionTracker } from '../tracking/executions.js';
import { backupBeforeSeeding } from '../backup/before-seeding.js';
import { resetDatabase } from '../backup/reset-database.js';
import { restoreBackup, type RestoreResult, type RestoreTarget } from '../backup/restore-backup.js';
import { openStore } from '../backup/stores/open-store.js';
import type { ServerLogger } from './logger.js';
import { loggedBackupEvents, loggedRestoreEvents, loggedRunEvents } from './logged-events.js';

/** The authenticated user an operation runs for: recorded on the execution. */
export interface Actor {
  userId: number;
}

export type { RestoreResult, RestoreTarget };

/** What the API does, as the app depends on it (tests may substitute their own). */
export interface Operations {
  execute(actor: Actor, options: { createBackup: boolean }): Promise<RunResult>;
  reset(actor: Actor, options: { createBackup: boolean; cascade: boolean }): Promise<RunResult>;
  /** `{}` restores the latest complete backup; else a key, or the backup an execution took. */
  restore(actor: Actor, target: RestoreTarget, options: { createBackup: boolean }): Promise<RestoreResult>;
  list(skip: number, limit: number): Promise<{ items: ExecutionDocument[]; total: number }>;
  get(id: number): Promise<ExecutionDocument | null>;
}

export interface OperationsDeps {
  config: Config;
  production: boolean;
  database: Database;
  /** The CLI Output the backup module reports through. */
  out: Output;
  logger: ServerLogger;
  /** Aborted when shutdown's grace period runs out: the open transaction is rolled back. */
  signal: AbortSignal;
}

/** The real operations: the same core functions the CLI commands call, with source `api`. */
export function createOperations(deps: OperationsDeps): Operations {
  const { config, database } = deps;
  const tracker = new ExecutionTracker(database);
  let tracking: Promise<unknown> | undefined;
  // `history`/`show` create the tracking table when missing; the API does the same, once.
  const ensureTracking = () =>
    (tracking ??= migrateTracking(database).catch((error: unknown) => {
      tracking = undefined;
      throw error;
    }));
  const redact = (text: string) => deps.out.redact(text);
  const seederContext = () => ({
    production: deps.production,
    environment: config.environment,
    superadmin: config.superadmin,
    signal: deps.signal,
  });
  const trigger = (actor: Actor) => ({
    triggeredBy: `api:user:${actor.userId}`,
    source: 'api' as const,
    userId: actor.userId,
  });

  return {
    async execute(actor, { createBackup }) {
      return runSeeders({
        database,
        seeders: await allSeeders(config.seeders.dir),
        options: { dryRun: false },
        context: seederContext(),
        events: loggedRunEvents(deps.logger),
        lockTimeoutSeconds: config.server.lockTimeout,
        ...trigger(actor),
        redact,
        beforeSeeding: (executionId) =>
          backupBeforeSeeding({
            config,
            database,
            executionId,
            enabled: createBackup,
            required: false,
            out: deps.out,
            signal: deps.signal,
          }),
      });
    },
    async reset(actor, { createBackup, cascade }) {
      const opened = createBackup && config.backup.enabled ? await openStore(config, database) : null;
      for (const warning of opened?.warnings ?? []) deps.logger.warn('warning', warning);
      const result = await resetDatabase(
        {
          database,
          store: opened?.store ?? null,
          config,
          seeders: await allSeeders(config.seeders.dir),
          context: seederContext(),
          events: loggedRunEvents(deps.logger),
          backupEvents: loggedBackupEvents(deps.logger),
          lockTimeoutSeconds: config.server.lockTimeout,
          ...trigger(actor),
          redact,
        },
        { backup: createBackup, cascade },
      );
      return { ...result, warnings: [...(opened?.warnings ?? []), ...result.warnings] };
    },
    async restore(actor, target, { createBackup }) {
      const { store, warnings } = await openStore(config, database);
      for (const warning of warnings) deps.logger.warn('warning', warning);
      const result = await restoreBackup(
        {
          database,
          store,
          config,
          signal: deps.signal,
          events: loggedRestoreEvents(deps.logger),
          backupEvents: loggedBackupEvents(deps.logger),
          lockTimeoutSeconds: config.server.lockTimeout,
          ...trigger(actor),
        },
        { ...target, backup: createBackup },
      );
      return { ...result, warnings: [...warnings, ...result.warnings] };
    },
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
