import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanEnv, expectSuccess, jsonOutput, runFoodfleet, type CliPlace } from './cli.js';
import type { SizeContext } from './context.js';
import { withClient } from './databases.js';
import { emptyTables, fingerprint, rowCounts } from './generator.js';
import { timedRun } from './rss.js';
import { BENCH_TABLES } from './sizes.js';

/** One timed run of a tool: wall ms, peak RSS (kB) and bytes written when it writes a file. */
export interface ToolRun {
  ms: number;
  rssKb: number | null;
  bytes?: number;
}

function cliPlace(ctx: SizeContext, env: Record<string, string> = {}): CliPlace & { timeoutMs: number } {
  return {
    bin: ctx.cliBin,
    cwd: ctx.sizeDir,
    env: cleanEnv({ DATABASE_URL: ctx.url, ...env }),
    scratchDir: ctx.scratchDir,
    timeoutMs: ctx.timeoutMs,
  };
}

/**
 * `foodfleet-seed backup --json` (to the local folder, or to S3 when `env` names a bucket). Once a
 * local backup has failed at this size, later ones fail at once with that reason instead of
 * waiting out another timeout.
 */
export async function foodfleetBackup(
  ctx: SizeContext,
  env: Record<string, string> = {},
): Promise<ToolRun & { key: string }> {
  const local = env.S3_BUCKET_NAME === undefined;
  if (local && ctx.artifacts.backupFailure)
    throw new Error(`not run: an earlier backup at size ${ctx.size} failed: ${ctx.artifacts.backupFailure}`);
  const run = await runFoodfleet(['backup', '--json'], cliPlace(ctx, env), ctx.timeoutMs);
  try {
    expectSuccess(run, 'foodfleet-seed backup');
  } catch (error) {
    if (local) ctx.artifacts.backupFailure = (error as Error).message;
    throw error;
  }
  const json = jsonOutput<{ key?: unknown; size?: unknown }>(run, 'foodfleet-seed backup');
  if (typeof json.key !== 'string')
    throw new Error(`foodfleet-seed backup --json printed no "key": ${run.stdout.slice(0, 200)}`);
  const bytes =
    typeof json.size === 'number'
      ? json.size
      : await fileSize(path.join(ctx.backupDir, json.key)).catch(() => Number.NaN);
  return { ms: run.wallMs, rssKb: run.peakRssKb, key: json.key, bytes };
}

/** `pg_dump -Fc` (default compression) of the same tables, to ctx.dumpFile. */
export async function pgDump(ctx: SizeContext): Promise<ToolRun> {
  const tables = BENCH_TABLES.flatMap((table) => ['-t', `public.${table}`]);
  const run = await timedRun('pg_dump', ['-Fc', ...tables, '-f', ctx.dumpFile, '-d', ctx.url], cliPlace(ctx));
  expectSuccess(run, 'pg_dump');
  ctx.artifacts.dumpReady = true;
  return { ms: run.wallMs, rssKb: run.peakRssKb, bytes: await fileSize(ctx.dumpFile) };
}

/** Empties the tables (untimed), then `foodfleet-seed restore --key K --no-backup --yes`, then checks every row is back. */
export async function foodfleetRestore(ctx: SizeContext, key: string): Promise<ToolRun> {
  await withClient(ctx.url, emptyTables);
  const run = await runFoodfleet(
    ['restore', '--key', key, '--no-backup', '--yes', '--json'],
    cliPlace(ctx),
    ctx.timeoutMs,
  );
  expectSuccess(run, 'foodfleet-seed restore');
  await expectAllRows(ctx, 'foodfleet-seed restore');
  return { ms: run.wallMs, rssKb: run.peakRssKb };
}

/**
 * Empties the tables (untimed), then `pg_restore --data-only --single-transaction` of the dump,
 * its table data in FK order (see restoreOrder).
 */
export async function pgRestore(ctx: SizeContext): Promise<ToolRun> {
  await withClient(ctx.url, emptyTables);
  const run = await timedRun(
    'pg_restore',
    ['--data-only', '--single-transaction', '-L', `${ctx.dumpFile}.list`, '-d', ctx.url, ctx.dumpFile],
    cliPlace(ctx),
  );
  expectSuccess(run, 'pg_restore');
  await expectAllRows(ctx, 'pg_restore');
  return { ms: run.wallMs, rssKb: run.peakRssKb };
}

/** The backup comparison 2 restores: comparison 1's, or a new one. */
export async function ensureBackupKey(ctx: SizeContext): Promise<string> {
  ctx.artifacts.backupKey ??= (await foodfleetBackup(ctx)).key;
  return ctx.artifacts.backupKey;
}

/** The dump comparison 2 restores (comparison 1's, or a new one) and its FK-ordered TOC list. */
export async function ensureDump(ctx: SizeContext): Promise<void> {
  if (!ctx.artifacts.dumpReady) await pgDump(ctx);
  await writeFile(`${ctx.dumpFile}.list`, await restoreOrder(ctx));
}

/**
 * A full (schema + data) dump lists TABLE DATA alphabetically, because its own restore adds the
 * FKs after the data; a data-only restore into tables that have their FKs then fails on the first
 * child table. pg_restore -L restores entries in the order of the list, so move the TABLE DATA
 * entries into parents-first order — the dump and pg_restore's flags stay exactly as specified.
 */
async function restoreOrder(ctx: SizeContext): Promise<string> {
  const run = await timedRun('pg_restore', ['-l', ctx.dumpFile], cliPlace(ctx));
  expectSuccess(run, 'pg_restore -l');
  const lines = run.stdout.split('\n');
  const isData = (line: string) => / TABLE DATA /.test(line) && !line.startsWith(';');
  const data = lines.filter(isData);
  const ordered = BENCH_TABLES.map((table) => {
    const line = data.find((l) => new RegExp(` TABLE DATA public ${table} `).test(l));
    if (!line) throw new Error(`the dump has no TABLE DATA entry for ${table}`);
    return line;
  });
  const first = lines.findIndex(isData);
  const rest = lines.filter((line) => !isData(line));
  rest.splice(first, 0, ...ordered);
  return rest.join('\n');
}

/** Untimed: every row and sequence state is exactly as generated (run once per tool, after its warm-up). */
export async function expectIdentical(ctx: SizeContext, what: string): Promise<void> {
  const now = await withClient(ctx.url, fingerprint);
  if (now !== ctx.fingerprint)
    throw new Error(`after ${what} the data differs from what was generated: ${now} vs ${ctx.fingerprint}`);
}

async function expectAllRows(ctx: SizeContext, what: string): Promise<void> {
  const counts = await withClient(ctx.url, rowCounts);
  const wrong = BENCH_TABLES.filter((table) => counts[table] !== ctx.spec[table]);
  if (wrong.length > 0) {
    throw new Error(
      `${what} left ${wrong.map((t) => `${t}: ${counts[t]} rows (expected ${ctx.spec[t]})`).join(', ')}`,
    );
  }
}

async function fileSize(file: string): Promise<number> {
  return (await stat(file)).size;
}
