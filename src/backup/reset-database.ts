import type { ExecutionOrigin } from '../tracking/executions.js';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/database.js';
import { OperationError, SeedError } from '../errors.js';
import { runSeeders, type PreSeedOutcome, type RunResult } from '../seeding/run-seeders.js';
import type { RunEvents } from '../seeding/run-events.js';
import type { Seeder, SeederContext } from '../seeding/seeder.js';
import { ExecutionTracker } from '../tracking/executions.js';
import {
  emptyTables,
  findReferences,
  findTables,
  MissingTablesError,
  type Reference,
} from './restore/empty-tables.js';
import { kyselyQueryable } from './restore/kysely-queryable.js';
import type { BackupStore } from './store.js';
import { takeAndRecordBackup } from './take-backup.js';
import { backupEventsFor, type BackupEventsSource } from './restore/backup-events-source.js';

export interface ResetDeps extends ExecutionOrigin {
  database: Database;
  /** Where the backup taken first goes; null only when no backup is taken. */
  store: BackupStore | null;
  config: Config;
  seeders: readonly Seeder<any>[];
  /** What seeders see besides the database (environment, superadmin, signal). */
  context: Omit<SeederContext, 'warn' | 'schema'>;
  events: RunEvents;
  /** Progress of the backup taken first (built once the execution id is known). */
  backupEvents?: BackupEventsSource | undefined;
}

export interface ResetOptions {
  /** Take a backup first (default true); a failed backup stops the reset before anything is written. */
  backup?: boolean | undefined;
  /** Also empty the tables whose rows reference the seeders' tables (TRUNCATE … CASCADE). */
  cascade?: boolean | undefined;
}

/**
 * `reset`: a backup, then — in ONE transaction — every table the seeders declare is emptied and
 * every seeder runs again; any failure rolls all of it back. Rows in other tables that reference
 * those tables make it refuse (nothing changed) unless `cascade`. Returns run's document.
 */
export async function resetDatabase(deps: ResetDeps, options: ResetOptions = {}): Promise<RunResult> {
  const { database, config } = deps;
  const names = [...new Set(deps.seeders.flatMap((s) => s.tables))].sort();
  const cascade = options.cascade === true;
  const cascadeNotes: string[] = [];
  return runSeeders({
    database,
    seeders: deps.seeders,
    options: { dryRun: false },
    context: deps.context,
    events: deps.events,
    lockTimeoutSeconds: deps.lockTimeoutSeconds ?? config.lockTimeout,
    triggeredBy: deps.triggeredBy,
    source: deps.source,
    userId: deps.userId ?? null,
    command: 'reset',
    redact: deps.redact,
    beforeSeeding: async (executionId) => {
      // Refuse before the backup: a refused reset leaves nothing behind but its execution record.
      const references = await checkReferences(database, names, cascade);
      if (references.length > 0) cascadeNotes.push(cascadeWarning(references));
      const outcome = await backupFirst(deps, executionId, options.backup !== false);
      const warnings = [...outcome.warnings, ...cascadeNotes];
      for (const warning of warnings) deps.events.warning(warning);
      return { ...outcome, warnings };
    },
    insideTransaction: async (trx) => {
      const db = kyselyQueryable(trx);
      const tables = await findTables(db, database.schema, names);
      // Checked again under the transaction: rows may have appeared since the first look.
      if (!cascade) refuseIfReferenced(await findReferences(db, tables));
      await emptyTables(db, database.schema, tables, cascade);
    },
  });
}

async function checkReferences(
  database: Database,
  names: readonly string[],
  cascade: boolean,
): Promise<Reference[]> {
  const db = kyselyQueryable(database.kysely);
  let references: Reference[];
  try {
    references = await findReferences(db, await findTables(db, database.schema, names));
  } catch (error) {
    if (error instanceof MissingTablesError) {
      throw new OperationError(
        'OPERATION_FAILED',
        `Reset refused: ${error.message}. Nothing was changed. Fix the seeders' \`tables\` (or create the tables) and retry.`,
      );
    }
    throw error;
  }
  if (!cascade) refuseIfReferenced(references);
  return references;
}

function refuseIfReferenced(references: readonly Reference[]): void {
  if (references.length === 0) return;
  throw new OperationError(
    'RESET_REFUSED',
    `Reset refused: rows in other tables reference the tables it would empty — ${describe(references)}. Nothing was changed. ` +
      'Delete or re-point those rows first, or pass --cascade (API: "cascade": true) to empty those tables too (TRUNCATE … CASCADE).',
  );
}

function cascadeWarning(references: readonly Reference[]): string {
  const tables = [...new Set(references.map((r) => r.table))];
  return `--cascade: ${tables.join(', ')} (and any table referencing them) were emptied too, because their rows referenced the reset tables (${describe(references)}).`;
}

function describe(references: readonly Reference[]): string {
  return references
    .map((r) => `${r.table} (${r.rows} row${r.rows === 1 ? '' : 's'} → ${r.target}, ${r.constraint})`)
    .join('; ');
}

/** The reset's backup, recorded on its execution. Unlike run's, a failure stops the reset. */
async function backupFirst(deps: ResetDeps, executionId: number, wanted: boolean): Promise<PreSeedOutcome> {
  const tracker = new ExecutionTracker(deps.database, { redact: deps.redact });
  if (!wanted || !deps.config.backup.enabled) {
    await tracker.recordBackup(executionId, { key: null, status: 'skipped' });
    const why = wanted ? 'backup.enabled is false in the config' : '--no-backup was given';
    return {
      backupCreated: false,
      backupKey: null,
      warnings: [`No backup was taken before the reset (${why}): it cannot be rolled back.`],
    };
  }
  const store = deps.store;
  if (!store) throw new Error('resetDatabase needs a backup store unless the backup is skipped');
  try {
    const result = await takeAndRecordBackup({
      database: deps.database,
      store,
      executionId,
      takenBy: 'reset',
      config: deps.config,
      signal: deps.context.signal,
      events: await backupEventsFor(deps.backupEvents, executionId),
      tracker,
    });
    return { backupCreated: true, backupKey: result.key, warnings: [] };
  } catch (error) {
    if (error instanceof SeedError && error.code === 'CANCELLED') throw error;
    throw new OperationError(
      'BACKUP_FAILED',
      `${(error as Error).message} The reset stopped before emptying anything: nothing was changed. Fix the backup store and retry, or pass --no-backup to reset without a backup.`,
      { cause: error },
    );
  }
}
