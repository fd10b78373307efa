import { notAvailable } from './cli.js';
import type { SizeContext } from './context.js';
import { missingFigure, ratioFigure, series, type Figure } from './figures.js';
import { interleave } from './measure.js';
import { foodfleetBackup, pgDump } from './tool-runs.js';

/** Comparison 1: `foodfleet-seed backup` to the local folder vs `pg_dump -Fc` of the same tables. */
export async function compareBackup(ctx: SizeContext): Promise<Figure[]> {
  const base = { comparison: 1 as const, size: ctx.size };
  const time = { ...base, id: 'backup_vs_pg_dump', title: 'backup (local folder) vs `pg_dump -Fc` (wall)' };
  const bytes = { ...base, id: 'backup_bytes_vs_pg_dump', title: 'bytes written: backup vs `pg_dump -Fc`' };
  if (!ctx.commands.has('backup')) {
    return [
      missingFigure(time, 'unavailable', notAvailable('backup')),
      missingFigure(bytes, 'unavailable', notAvailable('backup')),
    ];
  }
  ctx.log(`[1 ${ctx.size}] backup vs pg_dump (warm-up)`);
  ctx.artifacts.backupKey = (await foodfleetBackup(ctx)).key;
  await pgDump(ctx);

  const written = { backup: [] as number[], dump: [] as number[] };
  const samples = await interleave(
    ctx.runs,
    [
      {
        name: 'foodfleet-seed backup',
        run: async () => {
          const run = await foodfleetBackup(ctx);
          written.backup.push(run.bytes ?? Number.NaN);
          if (run.rssKb !== null) ctx.rss.backup.push(run.rssKb);
          return run.ms;
        },
      },
      {
        name: 'pg_dump -Fc',
        run: async () => {
          const run = await pgDump(ctx);
          written.dump.push(run.bytes ?? Number.NaN);
          return run.ms;
        },
      },
    ],
    ctx.log,
  );
  return [
    ratioFigure(
      time,
      series('foodfleet-seed backup', 'ms', samples.get('foodfleet-seed backup')!),
      series('pg_dump -Fc', 'ms', samples.get('pg_dump -Fc')!),
    ),
    ratioFigure(
      bytes,
      series('backup object', 'bytes', written.backup),
      series('pg_dump -Fc file', 'bytes', written.dump),
    ),
  ];
}
