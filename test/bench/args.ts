import { SIZE_NAMES, type SizeName } from './figures.js';

export interface BenchArgs {
  /** Sizes to run, smallest first (`--size S,M,M3,L` runs each once and adds the L/S memory ratio). */
  sizes: SizeName[];
  /** Runs per figure (≥ 3); `--help` vs `node -e 0` uses at least 20. */
  runs: number;
  /** Which comparisons (1–8) to run; default all. */
  comparisons: Set<number>;
  /** Write the figures as JSON here. */
  out: string | null;
  /** Rows the upsertMany seeder writes (comparison 4). */
  seedRows: number;
}

export const USAGE = `Usage: npm run bench -- [--size S|M|M3|L|S,M,M3,L] [--runs N] [--only 1,2,…] [--out file.json]

  --size S|M|M3|L data size: S ≈ 10 k rows, M ≈ 100 k, M3 ≈ 300 k, L ≈ 1 M (≈ 250 MB); a comma list
                  runs each, smallest first (default S)
  --runs N        runs per figure, median reported (default 3, minimum 3)
  --only LIST     comparisons to run (default 1,2,3,4,5,6,7,8):
                    1 backup vs pg_dump   2 restore vs pg_restore   3 peak RSS
                    4 upsertMany vs COPY  5 --help vs node -e 0     6 backup to S3 vs local
                    7 whole restore/backup of an empty database and a no-change run vs node -e 0
                    8 the embedded default: first run, later commands (wall, peak RSS)
  --rows N        rows the upsertMany seeder writes (default 100000)
  --out FILE      also write the figures as JSON

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), an admin
connection used to create and drop the foodfleet_bench* databases; pg_dump, pg_restore and psql
of the server's major version on PATH.`;

/** Parses argv; throws an Error with a usage message on anything it does not know. */
export function parseArgs(argv: readonly string[]): BenchArgs | 'help' {
  const args: BenchArgs = {
    sizes: ['S'],
    runs: 3,
    comparisons: new Set([1, 2, 3, 4, 5, 6, 7, 8]),
    out: null,
    seedRows: 100_000,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') return 'help';
    const [name, inline] = flag.includes('=')
      ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)]
      : [flag, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${name} needs a value.\n\n${USAGE}`);
      return v;
    };
    switch (name) {
      case '--size':
        args.sizes = parseSizes(value());
        break;
      case '--runs':
        args.runs = wholeNumber(name, value(), 3);
        break;
      case '--only':
        args.comparisons = new Set(
          value()
            .split(',')
            .map((s) => wholeNumber(name, s.trim(), 1)),
        );
        if ([...args.comparisons].some((n) => n > 8))
          throw new Error(`--only takes comparison numbers 1–8.\n\n${USAGE}`);
        break;
      case '--rows':
        args.seedRows = wholeNumber(name, value(), 1);
        break;
      case '--out':
        args.out = value();
        break;
      default:
        throw new Error(`Unknown argument ${flag}.\n\n${USAGE}`);
    }
  }
  return args;
}

function parseSizes(raw: string): SizeName[] {
  const sizes = raw.split(',').map((s) => s.trim().toUpperCase());
  const bad = sizes.filter((s) => !(SIZE_NAMES as readonly string[]).includes(s));
  if (bad.length > 0 || sizes.length === 0)
    throw new Error(
      `--size takes ${SIZE_NAMES.join(', ')} (or a list like ${SIZE_NAMES.join(',')}), got "${raw}".\n\n${USAGE}`,
    );
  // Run in size order (S, M, M3, L) whatever the order given, each once.
  return SIZE_NAMES.filter((s) => sizes.includes(s));
}

function wholeNumber(flag: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${flag} must be a whole number ≥ ${min}, got "${raw}".\n\n${USAGE}`);
  return n;
}
