import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_SEEDER = 'BenchSeeder';
export const TRIVIAL_SEEDER = 'TrivialSeeder';
/** Prefix of the warning through which the bench seeder reports its in-process upsertMany time. */
const TIMING_PREFIX = 'bench-timing ';

export interface SeederTiming {
  /** Building the rows in JS (the generator), before upsertMany sees them. */
  build_ms: number;
  upsert_ms: number;
  created: number;
  updated: number;
  unchanged: number;
}

/**
 * Writes two custom seeders as a user would (importing `Seeder` from 'foodfleet-seed'):
 * BenchSeeder upserts the generated rows; TrivialSeeder does nothing, so a run of it costs what
 * every run costs (start-up, config, connection, migrations check, lock, tracking, loading both
 * seeder files) and can be subtracted. Rows are built inside run() and timed there: building them
 * is the generator's work, not upsertMany's, so the figures subtract it too (and report it).
 */
export async function writeBenchSeeders(dir: string, rows: number, seed: number): Promise<void> {
  const items = fileURLToPath(new URL('./items.ts', import.meta.url));
  await writeFile(
    path.join(dir, 'bench-seeder.ts'),
    `import { Seeder } from 'foodfleet-seed';
import { benchItemRows } from ${JSON.stringify(items)};

export class BenchSeeder extends Seeder<any> {
  readonly name = ${JSON.stringify(BENCH_SEEDER)};
  readonly tables = ['bench_items'];

  async run(): Promise<void> {
    const building = performance.now();
    const rows = benchItemRows(${rows}, ${seed});
    const started = performance.now();
    const result = await this.upsertMany('bench_items', rows, { conflict: ['sku'] });
    const timing = { build_ms: started - building, upsert_ms: performance.now() - started, ...result };
    this.context.warn(${JSON.stringify(TIMING_PREFIX)} + JSON.stringify(timing));
  }
}
`,
  );
  await writeFile(
    path.join(dir, 'trivial-seeder.ts'),
    `import { Seeder } from 'foodfleet-seed';

export class TrivialSeeder extends Seeder<any> {
  readonly name = ${JSON.stringify(TRIVIAL_SEEDER)};
  async run(): Promise<void> {}
}
`,
  );
}

/** The timing the bench seeder reported in the run's warnings, if any. */
export function seederTiming(warnings: readonly string[] | undefined): SeederTiming | null {
  const line = warnings?.find((w) => w.startsWith(TIMING_PREFIX));
  return line ? (JSON.parse(line.slice(TIMING_PREFIX.length)) as SeederTiming) : null;
}
