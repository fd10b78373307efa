import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compareBackup } from './compare-backup.js';
import { compareRestore } from './compare-restore.js';
import { compareRss } from './compare-rss.js';
import { compareS3 } from './compare-s3.js';
import type { BenchContext, SizeContext } from './context.js';
import { BENCH_DATABASES, dropDatabase, recreateDatabase, withClient } from './databases.js';
import { missingFigure, type Figure, type SizeName } from './figures.js';
import { createSchema, fingerprint, generate, settle, tableStats } from './generator.js';
import { formatBytes, formatMs } from './measure.js';
import type { SizeData } from './report.js';
import { RUN_TIMEOUT_MS, SIZES, totalRows } from './sizes.js';

const DATA_SEED = 42;

/** Comparisons in the order they run on one database: reads first, then the reloads (2), then 3 (which reads 1's and 2's samples). */
const PER_SIZE: ReadonlyArray<{
  n: 1 | 2 | 3 | 6;
  run: (ctx: SizeContext) => Promise<Figure[]>;
  title: string;
}> = [
  { n: 1, run: compareBackup, title: 'backup vs pg_dump' },
  { n: 6, run: compareS3, title: 'backup to S3 vs local folder' },
  { n: 2, run: compareRestore, title: 'restore vs pg_restore' },
  { n: 3, run: compareRss, title: 'peak RSS' },
];

/** Generates the database of one size, runs the selected per-size comparisons on it, drops it. */
export async function runSize(
  ctx: BenchContext,
  size: SizeName,
  selected: ReadonlySet<number>,
): Promise<{ data: SizeData; figures: Figure[] }> {
  const sizeDir = path.join(ctx.workDir, size);
  const backupDir = path.join(sizeDir, 'backups');
  await mkdir(backupDir, { recursive: true });
  await writeFile(path.join(sizeDir, 'seedrc.json'), JSON.stringify({ backup: { dir: backupDir } }, null, 2));

  ctx.log(`[${size}] generating ${totalRows(SIZES[size]).toLocaleString('en-US')} rows`);
  const url = await recreateDatabase(ctx.admin, BENCH_DATABASES.data);
  try {
    const started = performance.now();
    const stats = await withClient(url, async (client) => {
      await createSchema(client);
      await generate(client, SIZES[size], DATA_SEED);
      await settle(client);
      return { ...(await tableStats(client)), fingerprint: await fingerprint(client) };
    });
    const data: SizeData = {
      rows: stats.rows,
      total_rows: totalRows(SIZES[size]),
      table_bytes: stats.tableBytes,
      total_bytes: stats.totalBytes,
      generate_ms: performance.now() - started,
    };
    ctx.log(`[${size}] ${formatBytes(stats.tableBytes)} of table data in ${formatMs(data.generate_ms)}`);

    const sizeCtx: SizeContext = {
      ...ctx,
      size,
      spec: SIZES[size],
      timeoutMs: RUN_TIMEOUT_MS[size],
      url,
      fingerprint: stats.fingerprint,
      sizeDir,
      backupDir,
      dumpFile: path.join(sizeDir, 'bench.dump'),
      artifacts: { backupKey: null, dumpReady: false, backupFailure: null },
      rss: { backup: [], restore: [] },
    };
    const figures: Figure[] = [];
    for (const comparison of PER_SIZE.filter((c) => selected.has(c.n))) {
      // Reads see settled pages (hint bits set) whatever ran before them.
      if (comparison.n !== 3) await withClient(url, settle);
      figures.push(
        ...(await guarded(ctx, comparison.n, size, comparison.title, () => comparison.run(sizeCtx))),
      );
    }
    return { data, figures };
  } finally {
    await dropDatabase(ctx.admin, BENCH_DATABASES.data);
  }
}

/** A comparison that throws becomes a FAILED row; the harness goes on with the next. */
export async function guarded(
  ctx: BenchContext,
  n: Figure['comparison'],
  size: Figure['size'],
  title: string,
  body: () => Promise<Figure[]>,
): Promise<Figure[]> {
  try {
    return await body();
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? String(error);
    ctx.log(`[${n}${size ? ` ${size}` : ''}] failed: ${message}`);
    return [missingFigure({ comparison: n, id: `comparison_${n}`, title, size }, 'failed', message)];
  }
}
