import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cleanEnv, expectSuccess, jsonOutput, runFoodfleet, type CliPlace } from './cli.js';
import type { BenchContext } from './context.js';
import { BENCH_DATABASES, dropDatabase, recreateDatabase, withClient } from './databases.js';
import { ratioFigure, series, type Figure } from './figures.js';
import { ITEM_COLUMNS, ITEMS_TABLE_SQL, benchItemRows, writeItemsCsv } from './items.js';
import { formatMs, interleave } from './measure.js';
import { timedRun } from './rss.js';
import {
  BENCH_SEEDER,
  TRIVIAL_SEEDER,
  seederTiming,
  writeBenchSeeders,
  type SeederTiming,
} from './seeder-files.js';

const SEED = 20_240_601;
/** One seeder run or one \copy of 100 k rows takes seconds; a hung one is killed after this. */
const RUN_TIMEOUT_MS = 600_000;

interface RunJson {
  results?: { seeders?: Record<string, { created?: number; updated?: number }> };
  warnings?: string[];
}

/**
 * Comparison 4: a custom seeder upserting N rows (`run --only BenchSeeder --no-backup`) vs
 * `\copy` of the same rows through psql, and the same seeder re-run with nothing to change.
 * Every figure is net of start-up: a round's TrivialSeeder run is subtracted from its seeder runs,
 * and `psql -c 'select 1'` from its COPY (paired per round, then the median).
 */
export async function compareUpsert(ctx: BenchContext): Promise<Figure[]> {
  const dir = path.join(ctx.workDir, 'upsert');
  const seedersDir = path.join(dir, 'seeders');
  const csv = path.join(dir, 'items.csv');
  await mkdir(seedersDir, { recursive: true });
  const url = await recreateDatabase(ctx.admin, BENCH_DATABASES.seed);
  try {
    await withClient(url, (client) => client.query(ITEMS_TABLE_SQL));
    await writeBenchSeeders(seedersDir, ctx.seedRows, SEED);
    await writeItemsCsv(csv, benchItemRows(ctx.seedRows, SEED));
    await writeFile(path.join(dir, 'seedrc.json'), JSON.stringify({ seeders: { dir: seedersDir } }, null, 2));
    const place: CliPlace = {
      bin: ctx.cliBin,
      cwd: dir,
      env: cleanEnv({ DATABASE_URL: url }),
      scratchDir: ctx.scratchDir,
    };
    return await measure(ctx, url, place, csv);
  } finally {
    await dropDatabase(ctx.admin, BENCH_DATABASES.seed);
  }
}

async function measure(ctx: BenchContext, url: string, place: CliPlace, csv: string): Promise<Figure[]> {
  const n = ctx.seedRows;
  const truncate = () => withClient(url, (client) => client.query('truncate bench_items restart identity'));
  const seed = async (
    name: string,
    expect?: 'created' | 'unchanged' | 'one updated',
  ): Promise<{ ms: number; timing: SeederTiming | null }> => {
    const run = await runFoodfleet(['run', '--only', name, '--no-backup', '--json'], place, RUN_TIMEOUT_MS);
    expectSuccess(run, `foodfleet-seed run --only ${name}`);
    const json = jsonOutput<RunJson>(run, 'foodfleet-seed run');
    const counts = json.results?.seeders?.[name];
    if (expect) {
      const want =
        expect === 'created'
          ? { created: n, updated: 0 }
          : { created: 0, updated: expect === 'one updated' ? 1 : 0 };
      if (counts?.created !== want.created || counts?.updated !== want.updated) {
        throw new Error(`${name} reported ${JSON.stringify(counts)}, expected ${JSON.stringify(want)}`);
      }
    }
    return { ms: run.wallMs, timing: seederTiming(json.warnings) };
  };
  const psql = async (command: string) => {
    const run = await timedRun('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', command], {
      ...place,
      timeoutMs: RUN_TIMEOUT_MS,
    });
    expectSuccess(run, 'psql');
    return run.wallMs;
  };
  const copy = `\\copy bench_items (${ITEM_COLUMNS.join(', ')}) from ${quoteLiteral(csv)} with (format csv)`;

  ctx.log(`[4] upsertMany ${n} rows vs COPY (warm-up: migrations, first load of the seeder files)`);
  await seed(TRIVIAL_SEEDER);
  await truncate();
  await seed(BENCH_SEEDER, 'created');
  await psql('select 1');

  const upsertMs: number[] = [];
  const buildMs = { first: [] as number[], rerun: [] as number[], edited: [] as number[] };
  const requireTiming = (timing: SeederTiming | null): SeederTiming => {
    if (!timing) throw new Error(`${BENCH_SEEDER} did not report its timing`);
    return timing;
  };
  const samples = await interleave(
    ctx.runs,
    [
      { name: 'run TrivialSeeder', run: async () => (await seed(TRIVIAL_SEEDER)).ms },
      {
        name: 'run BenchSeeder (empty table)',
        run: async () => {
          await truncate();
          const { ms, timing } = await seed(BENCH_SEEDER, 'created');
          upsertMs.push(requireTiming(timing).upsert_ms);
          buildMs.first.push(requireTiming(timing).build_ms);
          return ms;
        },
      },
      {
        name: 'run BenchSeeder (nothing to change)',
        run: async () => {
          const { ms, timing } = await seed(BENCH_SEEDER, 'unchanged');
          buildMs.rerun.push(requireTiming(timing).build_ms);
          return ms;
        },
      },
      {
        // The memo cannot answer once anything touched the table: every row is checked again.
        name: 'run BenchSeeder (one row changed by hand)',
        run: async () => {
          await withClient(url, (client) =>
            client.query(
              `update bench_items set stock = stock + 1 where sku = (select min(sku) from bench_items)`,
            ),
          );
          const { ms, timing } = await seed(BENCH_SEEDER, 'one updated');
          buildMs.edited.push(requireTiming(timing).build_ms);
          return ms;
        },
      },
      { name: "psql -c 'select 1'", run: () => psql('select 1') },
      {
        name: 'psql \\copy',
        run: async () => {
          await truncate();
          const ms = await psql(copy);
          await expectRows(url, n);
          return ms;
        },
      },
    ],
    ctx.log,
  );
  return figures(ctx, samples, upsertMs, buildMs);
}

/**
 * Seeder runs are taken net of start-up (the round's TrivialSeeder run) and of building the rows
 * (timed inside the seeder): what is left is upsertMany plus the run's per-seeder work.
 */
function figures(
  ctx: BenchContext,
  samples: Map<string, number[]>,
  upsertMs: number[],
  buildMs: { first: number[]; rerun: number[]; edited: number[] },
): Figure[] {
  const get = (name: string) => samples.get(name)!;
  const minus = (a: number[], b: number[]) => a.map((x, i) => x - b[i]!);
  const trivial = get('run TrivialSeeder');
  const first = series(
    'seeder net of start-up and row building',
    'ms',
    minus(minus(get('run BenchSeeder (empty table)'), trivial), buildMs.first),
  );
  const rerun = series(
    're-run net of start-up and row building',
    'ms',
    minus(minus(get('run BenchSeeder (nothing to change)'), trivial), buildMs.rerun),
  );
  const edited = series(
    're-run after a hand edit, net of start-up and row building',
    'ms',
    minus(minus(get('run BenchSeeder (one row changed by hand)'), trivial), buildMs.edited),
  );
  const building = formatMs(
    series('row building', 'ms', [...buildMs.first, ...buildMs.rerun, ...buildMs.edited]).median,
  );
  const copy = series(
    'psql \\copy net of start-up',
    'ms',
    minus(get('psql \\copy'), get("psql -c 'select 1'")),
  );
  const raw = (name: string) => formatMs(series(name, 'ms', get(name)).median);
  const rows = ctx.seedRows.toLocaleString('en-US');
  const result = [
    ratioFigure(
      {
        comparison: 4,
        id: 'upsert_vs_copy',
        title: `custom seeder, ${rows} rows via upsertMany vs psql \\copy (net of start-up and row building)`,
        size: null,
        note: `raw medians: seeder run ${raw('run BenchSeeder (empty table)')}, TrivialSeeder run ${raw('run TrivialSeeder')}, building the rows in the seeder ${building}, \\copy ${raw('psql \\copy')}, psql select 1 ${raw("psql -c 'select 1'")}`,
      },
      first,
      copy,
    ),
    ratioFigure(
      {
        comparison: 4,
        id: 'rerun_vs_first',
        title: 'same seeder re-run, nothing to change vs its first run (net of start-up and row building)',
        size: null,
        note: `raw medians: re-run ${raw('run BenchSeeder (nothing to change)')}, first run ${raw('run BenchSeeder (empty table)')}, building the rows ${building}`,
      },
      rerun,
      first,
    ),
    ratioFigure(
      {
        comparison: 4,
        id: 'rerun_after_edit_vs_first',
        title:
          'same seeder re-run after one row was changed by hand (every row checked) vs its first run (same nets)',
        size: null,
        note: `raw medians: re-run after the edit ${raw('run BenchSeeder (one row changed by hand)')}, first run ${raw('run BenchSeeder (empty table)')}`,
      },
      edited,
      first,
    ),
  ];
  result.push(
    ratioFigure(
      {
        comparison: 4,
        id: 'upsert_call_vs_copy',
        title: 'the upsertMany call alone (timed inside the seeder) vs psql \\copy (net)',
        size: null,
      },
      series('upsertMany call', 'ms', upsertMs),
      copy,
    ),
  );
  return result;
}

async function expectRows(url: string, n: number): Promise<void> {
  const count = await withClient(url, async (client) =>
    Number((await client.query<{ n: string }>('select count(*) as n from bench_items')).rows[0]!.n),
  );
  if (count !== n) throw new Error(`\\copy loaded ${count} rows, expected ${n}`);
}

/** A psql single-quoted literal (the temp path has no quotes, but never splice blindly). */
function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
