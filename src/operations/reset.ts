import {
  emptyTables,
  findReferences,
  findTables,
  MissingTablesError,
  type Reference,
} from '../backup/restore/empty-tables.js';
import { kyselyQueryable } from '../backup/restore/kysely-queryable.js';
import type { Queryable } from '../backup/restore/live-schema.js';
import { qualified } from '../db/quote.js';
import type { Database } from '../db/database.js';
import { OperationError, SeedError } from '../errors.js';
import { allSeeders } from '../seeding/all-seeders.js';
import { type PreSeedOutcome, type RunResult, runSeeders } from '../seeding/run-seeders.js';
import type { Seeder } from '../seeding/seeder.js';
import { ExecutionTracker } from '../tracking/executions.js';
import type { OperationDeps } from './deps.js';
import { runEventsTo } from './events.js';
import { type BackupSkipReason, recordSkippedBackup, takeRecordedBackup } from './recorded-backup.js';
import { seederContext } from './run.js';
import type { AnyDB } from '../db/any-kysely.js';
import { byCodeUnits } from '../util/compare.js';

export interface ResetOptions {
  /** Take a backup first; a failed backup stops the reset before anything is written. */
  backup: boolean;
  skipReason?: BackupSkipReason | undefined;
  /** Also empty the tables whose rows reference the seeders' tables (TRUNCATE … CASCADE). */
  cascade: boolean;
  /** The seeders, when the caller already loaded them. */
  seeders?: readonly Seeder<AnyDB>[] | undefined;
}

/**
 * `reset`: a backup, then — in ONE transaction — every table the seeders declare is emptied and
 * every seeder runs again; any failure rolls all of it back. Rows in other tables that reference
 * those tables make it refuse (nothing changed) unless `cascade`. Returns run's document.
 */
export async function resetOperation(deps: OperationDeps, options: ResetOptions): Promise<RunResult> {
  const { database } = deps;
  const seeders = options.seeders ?? (await allSeeders(deps.config.seeders.dir));
  const names = [...new Set(seeders.flatMap((s) => s.tables))].sort();
  const { cascade } = options;
  const events = runEventsTo(deps.events);
  const result = await runSeeders({
    database,
    seeders,
    options: { dryRun: false },
    context: seederContext(deps),
    events,
    lockTimeoutSeconds: deps.lockTimeoutSeconds,
    origin: deps.origin,
    command: 'reset',
    redact: deps.redact,
    beforeSeeding: async (executionId) => {
      // Refuse before the backup: a refused reset leaves nothing behind but its execution record.
      const references = await checkReferences(database, names, cascade);
      const outcome = await backupFirst(deps, executionId, options);
      const notes = references.length > 0 ? [cascadeWarning(references)] : [];
      for (const warning of [...outcome.warnings, ...notes]) events.warning(warning);
      return { ...outcome, warnings: [...outcome.warnings, ...notes] };
    },
    insideTransaction: async (trx) => {
      const db = kyselyQueryable(trx);
      const tables = await findTables(db, database.schema, names);
      // Checked again under the transaction: rows may have appeared since the first look.
      const references = await findReferences(db, tables);
      if (!cascade) refuseIfReferenced(references);
      const emptied = await countRows(db, [
        ...tables.map((t) => ({ schema: database.schema, table: t.name })),
        ...(cascade ? references : []),
      ]);
      await emptyTables(db, database.schema, tables, cascade);
      return emptied;
    },
  });
  return { ...result, warnings: [...deps.store.warnings, ...result.warnings] };
}

/** Rows per table, read under the reset's lock just before it empties them. */
async function countRows(
  db: Queryable,
  tables: readonly { schema: string; table: string }[],
): Promise<Record<string, number>> {
  const home = tables[0]?.schema;
  const counts: Record<string, number> = {};
  for (const { schema, table } of tables) {
    const label = schema === home ? table : `${schema}.${table}`;
    if (label in counts) continue;
    const [row] = await db.query<{ n: string }>(`select count(*) as n from ${qualified(schema, table)}`);
    counts[label] = Number(row?.n ?? 0);
  }
  return Object.fromEntries(Object.entries(counts).sort(([x], [y]) => byCodeUnits(x, y)));
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
async function backupFirst(
  deps: OperationDeps,
  executionId: number,
  options: ResetOptions,
): Promise<PreSeedOutcome> {
  const tracker = new ExecutionTracker(deps.database, { redact: deps.redact });
  if (!options.backup || !deps.config.backup.enabled) {
    const why = await recordSkippedBackup(deps, tracker, executionId, options.backup, options.skipReason);
    return {
      backupCreated: false,
      backupKey: null,
      warnings: [`No backup was taken before the reset (${why}): it cannot be rolled back.`],
    };
  }
  try {
    const result = await takeRecordedBackup(deps, { executionId, takenBy: 'reset', tracker });
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
