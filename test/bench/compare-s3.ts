import type { SizeContext } from './context.js';
import { notAvailable } from './cli.js';
import { missingFigure, ratioFigure, series, type Figure } from './figures.js';
import { interleave } from './measure.js';
import { foodfleetBackup } from './tool-runs.js';

/** Comparison 6: `foodfleet-seed backup` to s3rver on loopback vs to the local folder (upload overhead). */
export async function compareS3(ctx: SizeContext): Promise<Figure[]> {
  const base = {
    comparison: 6 as const,
    size: ctx.size,
    id: 's3_vs_local',
    title: 'backup to S3 (s3rver on loopback) vs to the local folder (wall)',
  };
  if (!ctx.commands.has('backup')) return [missingFigure(base, 'unavailable', notAvailable('backup'))];

  ctx.log(`[6 ${ctx.size}] backup to S3 vs local folder (starting s3rver, warm-up)`);
  const s3 = await ctx.s3.bucketEnv(`foodfleet-bench-${ctx.size.toLowerCase()}-${Date.now().toString(36)}`);
  await foodfleetBackup(ctx, s3);
  await foodfleetBackup(ctx);

  const samples = await interleave(
    ctx.runs,
    [
      { name: 'backup to S3', run: async () => (await foodfleetBackup(ctx, s3)).ms },
      { name: 'backup to local folder', run: async () => (await foodfleetBackup(ctx)).ms },
    ],
    ctx.log,
  );
  return [
    ratioFigure(
      base,
      series('backup to S3', 'ms', samples.get('backup to S3')!),
      series('backup to local folder', 'ms', samples.get('backup to local folder')!),
    ),
  ];
}
