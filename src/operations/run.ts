import { isConnectionLost } from '../db/connection-lost.js';
import { OperationError, SeedError } from '../errors.js';
import { allSeeders } from '../seeding/all-seeders.js';
import { type PreSeedOutcome, type RunResult, runSeeders } from '../seeding/run-seeders.js';
import type { Seeder } from '../seeding/seeder.js';
import { ExecutionTracker } from '../tracking/executions.js';
import type { OperationDeps } from './deps.js';
import { runEventsTo } from './events.js';
import { takeRecordedBackup } from './recorded-backup.js';
import type { AnyDB } from '../db/any-kysely.js';

export type { RunResult };

export interface RunOptions {
  /** Run only these seeders (plus what they depend on). */
  only?: readonly string[] | undefined;
  /** Run everything, report the counts, roll back (no backup is taken). */
  dryRun: boolean;
  /** Take the backup before seeding (the guide's default). */
  backup: boolean;
  /** A failed backup aborts the run before anything is written, instead of seeding without one. */
  requireBackup: boolean;
  /** The seeders, when the caller already loaded them (to refuse a cycle before connecting). */
  seeders?: readonly Seeder<AnyDB>[] | undefined;
}

/**
 * `run`: migrations, the backup, then every seeder in dependency order in one transaction;
 * recorded as an execution under the run lock.
 */
export async function runOperation(deps: OperationDeps, options: RunOptions): Promise<RunResult> {
  const { config, database } = deps;
  return runSeeders({
    database,
    seeders: options.seeders ?? (await allSeeders(config.seeders.dir)),
    options: { only: options.only, dryRun: options.dryRun },
    context: seederContext(deps),
    events: runEventsTo(deps.events),
    lockTimeoutSeconds: deps.lockTimeoutSeconds,
    origin: deps.origin,
    redact: deps.redact,
    beforeSeeding: (executionId) =>
      backupBeforeSeeding(deps, executionId, {
        enabled: options.backup && !options.dryRun,
        required: options.requireBackup,
      }),
  });
}

/** What seeders see of the run besides the database. */
export function seederContext(deps: OperationDeps) {
  return {
    production: deps.production,
    environment: deps.config.environment,
    superadmin: deps.config.superadmin,
    signal: deps.signal,
  };
}

/**
 * The backup taken before seeding, recorded on the run's execution. When it fails the run still
 * seeds — `backup_created: false` and a warning, as the guide specifies — unless it is required,
 * in which case this throws before the seeding transaction opens.
 */
async function backupBeforeSeeding(
  deps: OperationDeps,
  executionId: number,
  wanted: { enabled: boolean; required: boolean },
): Promise<PreSeedOutcome> {
  const tracker = new ExecutionTracker(deps.database, { redact: deps.redact });
  if (!wanted.enabled || !deps.config.backup.enabled) {
    await tracker.recordBackup(executionId, { key: null, status: 'skipped' });
    return { backupCreated: false, backupKey: null, warnings: [] };
  }
  try {
    const result = await takeRecordedBackup(deps, { executionId, takenBy: 'run', tracker });
    return { backupCreated: true, backupKey: result.key, warnings: [...deps.store.warnings] };
  } catch (error) {
    if (deps.signal.aborted || (error instanceof SeedError && error.code === 'CANCELLED')) throw error;
    // A lost database connection is the database's fault, not the store's: seeding on regardless
    // would hide it until the next statement, so the run stops here (runSeeders says where).
    if (isConnectionLost(error)) throw error;
    if (wanted.required) {
      throw new OperationError(
        'BACKUP_FAILED',
        `${(error as Error).message} --require-backup is set, so the run stopped before seeding: nothing was written. ` +
          'Fix the backup (or run without --require-backup to seed without one).',
        { cause: error },
      );
    }
    const warning = `${(error as Error).message} Seeding proceeds without a backup (pass --require-backup to stop instead).`;
    deps.events({ event: 'warning', message: warning });
    return { backupCreated: false, backupKey: null, warnings: [...deps.store.warnings, warning] };
  }
}
