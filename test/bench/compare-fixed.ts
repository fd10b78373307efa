import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  expectSuccess,
  jsonOutput,
  runFoodfleet,
  shellNodeEnv,
  shellNodeVariables,
  type CliPlace,
} from './cli.js';
import type { BenchContext } from './context.js';
import { BENCH_DATABASES, dropDatabase, recreateDatabase } from './databases.js';
import { ratioFigure, series, type Figure } from './figures.js';
import { interleave } from './measure.js';
import { timedRun } from './rss.js';

/** Whole commands are short and jittery: more rounds than the heavy comparisons. */
const MIN_ROUNDS = 7;
const TIMEOUT_MS = 120_000;

/**
 * Comparison 7: the fixed cost of whole commands on PostgreSQL, each ÷ `node -e 0` timed the same
 * way (a whole process under GNU time) in the same rounds, interleaved: `restore --no-backup
 * --yes` and `backup` of a database whose FoodFleet tables are empty, and a `run --no-backup`
 * re-run with nothing to change. Both sides start with the shell's Node variables (shellNodeEnv),
 * as the issue times them.
 */
export async function compareFixed(ctx: BenchContext): Promise<Figure[]> {
  const dir = path.join(ctx.workDir, 'fixed');
  await mkdir(path.join(dir, 'backups'), { recursive: true });
  await writeFile(
    path.join(dir, 'seedrc.json'),
    JSON.stringify({ backup: { dir: path.join(dir, 'backups') } }),
  );
  const emptyUrl = await recreateDatabase(ctx.admin, BENCH_DATABASES.empty);
  const seededUrl = await recreateDatabase(ctx.admin, BENCH_DATABASES.seeded);
  try {
    const place = (url: string): CliPlace => ({
      bin: ctx.cliBin,
      cwd: dir,
      env: shellNodeEnv({ DATABASE_URL: url }),
      scratchDir: ctx.scratchDir,
    });
    const cli = async (args: string[], url: string, what: string) => {
      const run = await runFoodfleet([...args, '--json'], place(url), TIMEOUT_MS);
      expectSuccess(run, what);
      return run;
    };
    ctx.log('[7] fixed costs: set-up (migrate an empty database, seed another, warm-up)');
    const variables = shellNodeVariables();
    ctx.log(`[7] Node start-up variables from the shell, for both sides: ${variables.join(', ') || 'none'}`);
    await cli(['migrate'], emptyUrl, 'foodfleet-seed migrate');
    const backup = await cli(['backup'], emptyUrl, 'foodfleet-seed backup');
    const key = jsonOutput<{ key: string }>(backup, 'foodfleet-seed backup').key;
    await cli(['run', '--no-backup'], seededUrl, 'foodfleet-seed run');

    const node = async () => {
      const run = await timedRun(process.execPath, ['-e', '0'], {
        ...place(emptyUrl),
        timeoutMs: TIMEOUT_MS,
      });
      expectSuccess(run, 'node -e 0');
      return run.wallMs;
    };
    const steps = [
      { name: 'node -e 0', run: node },
      {
        name: 'restore --no-backup --yes (empty)',
        run: async () =>
          (await cli(['restore', '--key', key, '--no-backup', '--yes'], emptyUrl, 'foodfleet-seed restore'))
            .wallMs,
      },
      {
        name: 'backup (empty)',
        run: async () => (await cli(['backup'], emptyUrl, 'foodfleet-seed backup')).wallMs,
      },
      {
        name: 'run --no-backup (nothing to change)',
        run: async () => (await cli(['run', '--no-backup'], seededUrl, 'foodfleet-seed run')).wallMs,
      },
    ];
    for (const step of steps) await step.run();
    const samples = await interleave(Math.max(MIN_ROUNDS, ctx.runs), steps, ctx.log);
    const yardstick = series('node -e 0', 'ms', samples.get('node -e 0')!);
    const figure = (id: string, title: string, name: string) =>
      ratioFigure(
        { comparison: 7, id, title, size: null },
        series(name, 'ms', samples.get(name)!),
        yardstick,
      );
    return [
      figure(
        'restore_empty_vs_node',
        'whole `restore --no-backup --yes` of an empty database vs `node -e 0` (wall)',
        'restore --no-backup --yes (empty)',
      ),
      figure(
        'backup_empty_vs_node',
        'whole `backup` of an empty database vs `node -e 0` (wall)',
        'backup (empty)',
      ),
      figure(
        'rerun_pg_vs_node',
        '`run --no-backup` re-run with nothing to change, PostgreSQL, vs `node -e 0` (wall)',
        'run --no-backup (nothing to change)',
      ),
    ];
  } finally {
    await dropDatabase(ctx.admin, BENCH_DATABASES.empty).catch(() => undefined);
    await dropDatabase(ctx.admin, BENCH_DATABASES.seeded).catch(() => undefined);
  }
}
