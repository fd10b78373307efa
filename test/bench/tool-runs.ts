import { stat } from 'node:fs/promises';
import path from 'node:path';
import { cleanEnv, expectSuccess, jsonOutput, runFoodfleet, type CliPlace } from './cli.js';
import type { SizeContext } from './context.js';
import { withClient } from './databases.js';
import { emptyTables, rowCounts } from './generator.js';
import { timedRun } from './rss.js';
import { BENCH_TABLES } from './sizes.js';

/** One timed run of a tool: wall ms, peak RSS (kB) and bytes written when it writes a file. */
export interface ToolRun {
  ms: number;
  rssKb: number | null;
  bytes?: number;
}

export function cliPlace(ctx: SizeContext, env: Record<string, string> = {}): CliPlace {
  return { cwd: ctx.sizeDir, env: cleanEnv({ DATABASE_URL: ctx.url, ...env }), scratchDir: ctx.scratchDir };
}

/** `foodfleet-seed backup --json` (to the local folder, or to S3 when `env` names a bucket). */
export async function foodfleetBackup(ctx: SizeContext, env: Record<string, string> = {}): Promise<ToolRun & { key: string }> {
  const run = await runFoodfleet(['backup', '--json'], cliPlace(ctx, env));
  expectSuccess(run, 'foodfleet-seed backup');
  const json = jsonOutput<{ key?: unknown; size?: unknown }>(run, 'foodfleet-seed backup');
  if (typeof json.key !== 'string') throw new Error(`foodfleet-seed backup --json printed no "key": ${run.stdout.slice(0, 200)}`);
  const bytes = typeof json.size === 'number' ? json.size : await fileSize(path.join(ctx.backupDir, json.key)).catch(() => Number.NaN);
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
  const run = await runFoodfleet(['restore', '--key', key, '--no-backup', '--yes', '--json'], cliPlace(ctx));
  expectSuccess(run, 'foodfleet-seed restore');
  await expectAllRows(ctx, 'foodfleet-seed restore');
  return { ms: run.wallMs, rssKb: run.peakRssKb };
}

/** Empties the tables (untimed), then `pg_restore --data-only --single-transaction` of the dump. */
export async function pgRestore(ctx: SizeContext): Promise<ToolRun> {
  await withClient(ctx.url, emptyTables);
  const run = await timedRun('pg_restore', ['--data-only', '--single-transaction', '-d', ctx.url, ctx.dumpFile], cliPlace(ctx));
  expectSuccess(run, 'pg_restore');
  await expectAllRows(ctx, 'pg_restore');
  return { ms: run.wallMs, rssKb: run.peakRssKb };
}

/** The backup comparison 2 restores: comparison 1's, or a new one. */
export async function ensureBackupKey(ctx: SizeContext): Promise<string> {
  ctx.artifacts.backupKey ??= (await foodfleetBackup(ctx)).key;
  return ctx.artifacts.backupKey;
}

export async function ensureDump(ctx: SizeContext): Promise<void> {
  if (!ctx.artifacts.dumpReady) await pgDump(ctx);
}

async function expectAllRows(ctx: SizeContext, what: string): Promise<void> {
  const counts = await withClient(ctx.url, rowCounts);
  const wrong = BENCH_TABLES.filter((table) => counts[table] !== ctx.spec[table]);
  if (wrong.length > 0) {
    throw new Error(`${what} left ${wrong.map((t) => `${t}: ${counts[t]} rows (expected ${ctx.spec[t]})`).join(', ')}`);
  }
}

async function fileSize(file: string): Promise<number> {
  return (await stat(file)).size;
}
