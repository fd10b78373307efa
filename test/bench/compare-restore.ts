import { notAvailable } from './cli.js';
import type { SizeContext } from './context.js';
import { missingFigure, ratioFigure, series, type Figure } from './figures.js';
import { interleave } from './measure.js';
import { ensureBackupKey, ensureDump, expectIdentical, foodfleetRestore, pgRestore } from './tool-runs.js';

/**
 * Comparison 2: `foodfleet-seed restore --key K --no-backup --yes` vs `pg_restore --data-only
 * --single-transaction`, each into the same emptied tables (emptied untimed before every run,
 * every row counted after it; after each tool's warm-up every row and sequence compared).
 */
export async function compareRestore(ctx: SizeContext): Promise<Figure[]> {
  const base = {
    comparison: 2 as const,
    size: ctx.size,
    id: 'restore_vs_pg_restore',
    title: 'restore into emptied tables vs `pg_restore --data-only --single-transaction` (wall)',
  };
  const missing = ['backup', 'restore'].filter((command) => !ctx.commands.has(command));
  if (missing.length > 0) return [missingFigure(base, 'unavailable', missing.map(notAvailable).join('; '))];

  ctx.log(`[2 ${ctx.size}] restore vs pg_restore (warm-up)`);
  const key = await ensureBackupKey(ctx);
  await ensureDump(ctx);
  await foodfleetRestore(ctx, key);
  await expectIdentical(ctx, 'foodfleet-seed restore');
  await pgRestore(ctx);
  await expectIdentical(ctx, 'pg_restore');

  const samples = await interleave(
    ctx.runs,
    [
      {
        name: 'foodfleet-seed restore',
        run: async () => {
          const run = await foodfleetRestore(ctx, key);
          if (run.rssKb !== null) ctx.rss.restore.push(run.rssKb);
          return run.ms;
        },
      },
      { name: 'pg_restore', run: async () => (await pgRestore(ctx)).ms },
    ],
    ctx.log,
  );
  return [
    ratioFigure(
      base,
      series('foodfleet-seed restore', 'ms', samples.get('foodfleet-seed restore')!),
      series('pg_restore', 'ms', samples.get('pg_restore')!),
    ),
  ];
}
