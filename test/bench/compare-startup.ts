import { REPO_ROOT, cleanEnv, expectSuccess } from './cli.js';
import type { BenchContext } from './context.js';
import { ratioFigure, series, type Figure } from './figures.js';
import { interleave } from './measure.js';
import { timedRun } from './rss.js';

/** Start-up is short and jittery: more rounds than the heavy comparisons. */
const MIN_ROUNDS = 20;

/** Comparison 5: `foodfleet-seed --help` vs `node -e 0` (the CLI's own start-up cost). */
export async function compareStartup(ctx: BenchContext): Promise<Figure[]> {
  const place = { cwd: REPO_ROOT, env: cleanEnv(), scratchDir: ctx.scratchDir, timeoutMs: 60_000 };
  const node = async () => {
    const run = await timedRun(process.execPath, ['-e', '0'], place);
    expectSuccess(run, 'node -e 0');
    return run.wallMs;
  };
  const help = async () => {
    const run = await timedRun(process.execPath, [ctx.cliBin, '--help'], place);
    expectSuccess(run, 'foodfleet-seed --help');
    if (!run.stdout.includes('Usage:')) throw new Error('foodfleet-seed --help printed no usage');
    return run.wallMs;
  };
  ctx.log('[5] --help vs node -e 0 (warm-up)');
  await node();
  await help();
  const samples = await interleave(
    Math.max(MIN_ROUNDS, ctx.runs),
    [
      { name: 'node -e 0', run: node },
      { name: 'foodfleet-seed --help', run: help },
    ],
    ctx.log,
  );
  return [
    ratioFigure(
      {
        comparison: 5,
        id: 'help_vs_node',
        title: '`foodfleet-seed --help` vs `node -e 0` (wall)',
        size: null,
      },
      series('foodfleet-seed --help', 'ms', samples.get('foodfleet-seed --help')!),
      series('node -e 0', 'ms', samples.get('node -e 0')!),
    ),
  ];
}
