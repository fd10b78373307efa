import type { AnyDB, AnyKysely } from '../db/any-kysely.js';
import type { Database, OpenTransaction } from '../db/database.js';
import { asConnectionLost, duringPhase } from '../db/connection-lost.js';
import { safeErrorMessage, safeErrorStack } from '../db/describe-pg-error.js';
import {
  CancelledError,
  fullStack,
  type RunFailure,
  SeedError,
  SeederFailedError,
  withRunResults,
} from '../errors.js';
import { migrateAll } from '../migrations/migrate.js';
import type { ExecutionOrigin } from '../tracking/executions.js';
import { withExecution } from '../tracking/with-execution.js';
import type { Seeder, SeederContext } from './seeder.js';
import { attachSession, SeederSession } from './seeder-session.js';
import { orderSeeders, selectSeeders } from './order.js';
import type { RunEvents } from './run-events.js';
import { emptyResults, type RunResults, type SeederStatus } from './results.js';

interface RunOptions {
  only?: readonly string[] | undefined;
  dryRun: boolean;
}

/** What a pre-seeding step (the backup) reports back. */
export interface PreSeedOutcome {
  backupCreated: boolean;
  backupKey: string | null;
  warnings: string[];
}

export interface RunRequest {
  database: Database;
  seeders: readonly Seeder<AnyDB>[];
  options: RunOptions;
  context: Omit<SeederContext, 'warn' | 'schema'>;
  events: RunEvents;
  lockTimeoutSeconds: number;
  origin: ExecutionOrigin;
  /** `run` vs `reset`. */
  command?: string;
  /** Runs under the lock after migrations, before the transaction (the backup). */
  beforeSeeding?: (executionId: number) => Promise<PreSeedOutcome>;
  /** Masks secrets in what is stored in the execution record (the CLI passes its output's redactor). */
  redact?: (text: string) => string;
  /** Runs inside the transaction before the seeders (reset empties tables here and returns the rows emptied per table). */
  insideTransaction?: (trx: AnyKysely) => Promise<Record<string, number> | undefined>;
}

export interface RunResult {
  success: true;
  execution_id: number;
  dry_run: boolean;
  backup_created: boolean;
  backup_s3_key: string | null;
  results: RunResults;
  warnings: string[];
}

/**
 * Runs the seeders in dependency order inside one transaction: any failure rolls back every
 * seeder's writes; `dryRun` rolls back after reporting the counts.
 */
export async function runSeeders(request: RunRequest): Promise<RunResult> {
  const selected = selectSeeders(orderSeeders(request.seeders), request.options.only);
  const { database } = request;
  return withExecution(
    database,
    {
      command: request.command ?? 'run',
      ...request.origin,
      options: { only: request.options.only ?? null, dry_run: request.options.dryRun },
      lockTimeoutSeconds: request.lockTimeoutSeconds,
      redact: request.redact,
      signal: request.context.signal,
    },
    async ({ id }) => {
      const warnings: string[] = [];
      const context: SeederContext = {
        ...request.context,
        schema: database.schema,
        warn: (m) => {
          warnings.push(m);
          request.events.warning(m);
        },
      };
      await duringPhase('migrations', () => migrateAll(database));
      for (const seeder of selected) await seeder.preflight(database.kysely, context);
      const pre = (await duringPhase(
        'the backup',
        async () => request.beforeSeeding?.(id),
        'No backup was stored and nothing was seeded: the database is unchanged.',
      )) ?? {
        backupCreated: false,
        backupKey: null,
        warnings: [],
      };
      warnings.push(...pre.warnings);
      const results = await seedInTransaction(request, selected, context, id).catch((error: unknown) => {
        throw asConnectionLost(error, seedingPhase(error));
      });
      const value: RunResult = {
        success: true,
        execution_id: id,
        dry_run: request.options.dryRun,
        backup_created: pre.backupCreated,
        backup_s3_key: pre.backupKey,
        results,
        warnings,
      };
      return { value, results: { ...results, dry_run: request.options.dryRun, warnings } };
    },
  );
}

/** Names the seeder that was running when the connection was lost, when one was. */
function seedingPhase(error: unknown): string {
  return error instanceof SeederFailedError && error.seeder !== '(commit)'
    ? `seeder ${error.seeder}`
    : 'seeding';
}

async function seedInTransaction(
  request: RunRequest,
  seeders: readonly Seeder<AnyDB>[],
  context: SeederContext,
  executionId: number,
): Promise<RunResults> {
  const results = emptyResults(seeders.map((s) => s.name));
  const open = await request.database.beginTransaction();
  let current: Seeder<AnyDB> | undefined;
  try {
    const emptied = await request.insideTransaction?.(open.trx);
    if (emptied) {
      results.emptied = emptied;
      results.total.deleted += Object.values(emptied).reduce((sum, n) => sum + n, 0);
    }
    for (const seeder of seeders) {
      current = seeder;
      context.signal.throwIfAborted();
      await runOne(seeder, open, context, results, request.events, executionId);
    }
    current = undefined;
    context.signal.throwIfAborted();
    if (request.options.dryRun) await open.rollback();
    else await open.commit();
    return results;
  } catch (error) {
    await open.rollback();
    throw describeFailure(error, current, context.signal, results);
  }
}

async function runOne(
  seeder: Seeder<AnyDB>,
  open: OpenTransaction,
  context: SeederContext,
  results: RunResults,
  events: RunEvents,
  executionId: number,
): Promise<void> {
  const started = performance.now();
  events.seederStarted({ executionId, seeder: seeder.name });
  const session = new SeederSession(seeder.name, open.trx, context, open.copyIn);
  attachSession(seeder, session);
  try {
    await seeder.run();
  } catch (error) {
    const entry = results.seeders[seeder.name];
    if (entry)
      Object.assign(entry, {
        ...session.counts(),
        status: 'failed' satisfies SeederStatus,
        duration_ms: Math.round(performance.now() - started),
        error: safeErrorMessage(error),
      });
    events.seederFailed({
      executionId,
      seeder: seeder.name,
      error: safeErrorMessage(error),
      stack: fullStack(error),
    });
    throw error;
  }
  const counts = session.counts();
  const durationMs = Math.round(performance.now() - started);
  results.seeders[seeder.name] = { status: 'completed', ...counts, duration_ms: durationMs };
  for (const key of ['created', 'updated', 'deleted'] as const) results.total[key] += counts[key];
  events.seederCompleted({ executionId, seeder: seeder.name, ...counts, durationMs });
}

/** Turns whatever failed into a typed error; completed seeders are reported rolled back. */
function describeFailure(
  error: unknown,
  current: Seeder<AnyDB> | undefined,
  signal: AbortSignal,
  results: RunResults,
): RunFailure {
  for (const entry of Object.values(results.seeders))
    if (entry.status === 'completed') entry.status = 'rolled_back';
  // Nothing stayed: the totals say what was committed; each seeder keeps what it attempted.
  results.total = { created: 0, updated: 0, deleted: 0 };
  let failure: SeedError;
  if (signal.aborted) failure = new CancelledError();
  else if (error instanceof SeedError) failure = error;
  else if (current) {
    failure = new SeederFailedError(
      current.name,
      `${current.name} failed: ${safeErrorMessage(error)}. The whole run was rolled back: nothing any seeder wrote in this run remains.`,
      { cause: error },
    );
    failure.stack = safeErrorStack(error) ?? failure.stack;
  } else {
    failure = new SeederFailedError(
      '(commit)',
      `The run failed at commit: ${safeErrorMessage(error)}. It was rolled back; nothing was changed.`,
      { cause: error },
    );
  }
  return withRunResults(failure, results);
}
