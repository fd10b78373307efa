import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, USAGE, type BenchArgs } from './args.js';
import { cliCommands } from './cli.js';
import { rssGrowth } from './compare-rss.js';
import { compareEmbedded } from './compare-embedded.js';
import { compareFixed } from './compare-fixed.js';
import { compareStartup } from './compare-startup.js';
import { compareUpsert } from './compare-upsert.js';
import type { BenchContext } from './context.js';
import { adminUrl, BENCH_DATABASES, describeUrl, dropDatabase } from './databases.js';
import type { Figure } from './figures.js';
import { machineInfo, toolProblems } from './machine.js';
import { buildReport, markdown, type BenchReport } from './report.js';
import { sourceRevision } from './revision.js';
import { s3Service } from './s3.js';
import { snapshotPackage } from './snapshot.js';
import { guarded, runSize } from './size-run.js';

async function main(argv: readonly string[]): Promise<number> {
  let args: BenchArgs | 'help';
  try {
    args = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const admin = adminUrl();
  const log = (message: string) => process.stderr.write(`${message}\n`);
  const machine = await machineInfo(admin);
  const problems = toolProblems(machine);
  if (problems.length > 0) {
    log(`Cannot benchmark against ${describeUrl(admin)}:\n- ${problems.join('\n- ')}`);
    return 2;
  }
  const workDir = await mkdtemp(path.join(tmpdir(), 'foodfleet-bench-'));
  const scratchDir = path.join(workDir, 'scratch');
  await mkdir(scratchDir);
  const s3 = s3Service();
  const startedAt = new Date().toISOString();
  const cleanUp = async () => {
    await s3.stop();
    await Promise.all(
      Object.values(BENCH_DATABASES).map((name) => dropDatabase(admin, name).catch(() => undefined)),
    );
    await rm(workDir, { recursive: true, force: true });
  };
  // Ctrl-C reaches the measured processes too (same process group); drop what we made, then go.
  const interrupted = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping; dropping the bench databases and the temp folder…`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const cliBin = await snapshotPackage(path.join(workDir, 'package'));
    const source = sourceRevision();
    const commands = await cliCommands(cliBin, scratchDir);
    log(
      `foodfleet-seed commands: ${[...commands].join(', ')}; server ${describeUrl(admin)} (PostgreSQL ${machine.postgres_server})`,
    );
    const ctx: BenchContext = {
      admin,
      runs: args.runs,
      workDir,
      scratchDir,
      cliBin,
      commands,
      seedRows: args.seedRows,
      s3,
      log,
    };
    const { figures, sizes } = await runAll(ctx, args);
    const report = buildReport({
      started_at: startedAt,
      finished_at: new Date().toISOString(),
      command: commandLine(argv),
      source,
      runs: args.runs,
      machine,
      sizes,
      figures,
    });
    process.stdout.write(`${markdown(report)}\n`);
    if (args.out) {
      await writeFile(args.out, `${JSON.stringify(report, null, 2)}\n`);
      log(`Wrote ${args.out}`);
    }
    return 0;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanUp();
  }
}

async function runAll(
  ctx: BenchContext,
  args: BenchArgs,
): Promise<{ figures: Figure[]; sizes: BenchReport['sizes'] }> {
  const figures: Figure[] = [];
  const sizes: BenchReport['sizes'] = {};
  if (args.comparisons.has(5))
    figures.push(...(await guarded(ctx, 5, null, '--help vs node -e 0', () => compareStartup(ctx))));
  if (args.comparisons.has(7))
    figures.push(...(await guarded(ctx, 7, null, 'fixed costs vs node -e 0', () => compareFixed(ctx))));
  if (args.comparisons.has(8))
    figures.push(...(await guarded(ctx, 8, null, 'the embedded default', () => compareEmbedded(ctx))));
  if (args.comparisons.has(4))
    figures.push(...(await guarded(ctx, 4, null, 'upsertMany vs COPY', () => compareUpsert(ctx))));
  if ([1, 2, 3, 6].some((n) => args.comparisons.has(n))) {
    for (const size of args.sizes) {
      const result = await runSize(ctx, size, args.comparisons);
      sizes[size] = result.data;
      figures.push(...result.figures);
    }
  }
  figures.push(...rssGrowth(figures));
  return { figures, sizes };
}

function commandLine(argv: readonly string[]): string {
  return ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
}

process.exitCode = await main(process.argv.slice(2));
