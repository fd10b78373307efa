import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { expectSuccess, runFoodfleet, shellNodeEnv, type CliPlace } from './cli.js';
import type { BenchContext } from './context.js';
import { absoluteFigure, series, type Figure } from './figures.js';
import { interleave } from './measure.js';
import { kbToMb } from './rss.js';

const TIMEOUT_MS = 300_000;
const MIN_ROUNDS = 5;

/**
 * Comparison 8: the embedded default (no DATABASE_URL, no config), as a newcomer meets it:
 * `run` in an empty folder (the data folder created on the way), then later commands (`run`,
 * `history`) on that folder. Wall time and peak RSS of the whole process; absolute figures,
 * since there is no other tool to compare with.
 */
export async function compareEmbedded(ctx: BenchContext): Promise<Figure[]> {
  const root = path.join(ctx.workDir, 'embedded');
  let round = 0;
  const place = (cwd: string): CliPlace => ({
    bin: ctx.cliBin,
    cwd,
    env: shellNodeEnv(),
    scratchDir: ctx.scratchDir,
  });
  const firstRss: number[] = [];
  const laterRss: number[] = [];
  let latest = '';
  const first = async () => {
    round += 1;
    latest = path.join(root, `project-${round}`);
    await rm(latest, { recursive: true, force: true });
    await mkdir(latest, { recursive: true });
    const run = await runFoodfleet(['run', '--json'], place(latest), TIMEOUT_MS);
    expectSuccess(run, 'foodfleet-seed run (embedded, first)');
    if (run.peakRssKb !== null) firstRss.push(kbToMb(run.peakRssKb));
    return run.wallMs;
  };
  const later = (args: string[]) => async () => {
    const run = await runFoodfleet([...args, '--json'], place(latest), TIMEOUT_MS);
    expectSuccess(run, `foodfleet-seed ${args.join(' ')} (embedded)`);
    if (run.peakRssKb !== null) laterRss.push(kbToMb(run.peakRssKb));
    return run.wallMs;
  };
  ctx.log('[8] embedded default (warm-up)');
  await first();
  await later(['run'])();
  firstRss.length = 0;
  laterRss.length = 0;
  try {
    const samples = await interleave(
      Math.max(MIN_ROUNDS, ctx.runs),
      [
        { name: 'first run', run: first },
        { name: 'later run', run: later(['run']) },
        { name: 'later history', run: later(['history']) },
      ],
      ctx.log,
    );
    const laterMs = [...samples.get('later run')!, ...samples.get('later history')!];
    const base = { comparison: 8 as const, size: null };
    return [
      absoluteFigure(
        {
          ...base,
          id: 'embedded_first_wall',
          title: 'embedded default: first `run` in an empty folder (wall)',
        },
        series('first run', 'ms', samples.get('first run')!),
      ),
      absoluteFigure(
        { ...base, id: 'embedded_first_rss', title: 'embedded default: first `run`, peak RSS' },
        series('first run', 'MB', firstRss),
      ),
      absoluteFigure(
        { ...base, id: 'embedded_later_wall', title: 'embedded default: a later `run` or `history` (wall)' },
        series('run, history', 'ms', laterMs),
      ),
      absoluteFigure(
        {
          ...base,
          id: 'embedded_later_rss',
          title: 'embedded default: a later `run` or `history`, peak RSS',
        },
        series('run, history', 'MB', laterRss),
      ),
    ];
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
