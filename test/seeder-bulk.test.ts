import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LEFT_OUT_KEY, NOW_KEY, UNDEFINED_KEY } from './fixtures/seeders/defaults-bulk-seeder.js';
import { freshDatabase, runCli, startCli, type CliResult, type FreshDatabase } from './support/index.js';
import type { FailureDocument, RunDocument, UpsertReport } from './support/documents.js';
import { pgEnv } from './support/seeded-rows.js';
import { seedersDir } from './support/seeders-dir.js';
import { dropRoleAndDatabase, urlAs } from './support/roles.js';
import { uniqueName } from './support/unique.js';

/**
 * upsertMany's COPY path (2,000 rows or more on PostgreSQL), driven through the CLI: it must store
 * exactly what the statement path stores, count the same, fail the same way, and fall back where
 * COPY cannot be used. Each describe sets up its own tables in the file's database.
 */

/** A bulk run loads tens of thousands of values and starts a Node process: generous. */
const RUN_TIMEOUT = 120_000;
/** The throwaway login role's password (a throwaway embedded server authenticates by SCRAM, not trust). */
const PASSWORD = 'no-temp-pass-123';

type Env = Record<string, string | undefined>;

let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase('seeder-bulk');
});

afterAll(async () => {
  await db?.close();
});

/** Runs only `seeder` (--no-backup: this file is about upsertMany; backups have their own tests). */
function runSeeder(seeder: string, env: Env, flags: string[] = []): Promise<CliResult> {
  return runCli(['run', '--json', '--no-backup', ...flags, '--only', seeder], {
    env,
    timeoutMs: RUN_TIMEOUT,
  });
}

async function succeeds(seeder: string, env: Env, flags: string[] = []): Promise<RunDocument> {
  const result = await runSeeder(seeder, env, flags);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return result.json<RunDocument>();
}

async function fails(seeder: string, env: Env): Promise<FailureDocument> {
  const result = await runSeeder(seeder, env);
  expect(result.code, result.stdout + result.stderr).toBe(1);
  const failure = result.json<FailureDocument>();
  expect(failure.error.code).toBe('SEEDER_FAILED');
  return failure;
}

/** The seeder's upsertMany results, in call order. */
function reports(run: RunDocument): UpsertReport[] {
  return run.warnings.map((warning) => JSON.parse(warning) as UpsertReport);
}

async function count(target: FreshDatabase, query: string, params?: unknown[]): Promise<number> {
  const [row] = await target.query<{ n: string }>(query, params);
  return Number(row?.n);
}

/** The text form and row version of `table`'s rows (`where` them): equal snapshots mean nothing was written, not even rewritten. */
async function snapshot(target: FreshDatabase, table: string, where = 'true'): Promise<string> {
  const [row] = await target.query<{ digest: string | null }>(
    `select md5(string_agg(t.xmin::text || ' ' || t::text, E'\\n' order by t.k)) as digest from ${table} t where ${where}`,
  );
  return row?.digest ?? 'empty';
}

/** Up to 5 keys whose rows' text differs between `left` and `right` (a row missing from one differs too). */
function differingRows(left: string, right: string): Promise<Record<string, unknown>[]> {
  return db.query(
    `select coalesce(x.k, y.k) as k, x.t as ${left}, y.t as ${right}
       from (select k, t::text as t from ${left} t) x full join (select k, t::text as t from ${right} t) y on x.k = y.k
      where x.t is distinct from y.t order by 1 limit 5`,
  );
}

/**
 * Records the text of every INSERT/COPY statement run on `tables` (a statement-level trigger
 * reading current_query()): shows which path upsertMany really took, so a differential test
 * cannot pass by comparing the statement path with itself.
 */
async function logStatements(target: FreshDatabase, tables: readonly string[]): Promise<void> {
  await target.query(
    `create table if not exists statement_log (id serial primary key, tbl text not null, query text not null)`,
  );
  await target.query(`create or replace function log_statement() returns trigger language plpgsql as $$
    begin insert into statement_log (tbl, query) values (tg_table_name, current_query()); return null; end $$`);
  for (const table of tables) {
    await target.query(
      `create trigger ${table}_log after insert on ${table} for each statement execute function log_statement()`,
    );
  }
}

async function statementsOn(target: FreshDatabase, table: string): Promise<string[]> {
  const rows = await target.query<{ query: string }>(
    'select query from statement_log where tbl = $1 order by id',
    [table],
  );
  return rows.map((r) => r.query.trim().toLowerCase());
}

async function clearStatementLog(target: FreshDatabase): Promise<void> {
  await target.query('truncate statement_log');
}

describe('the COPY path stores exactly what the statement path stores', () => {
  const ROWS = 5_000;
  const TABLES = ['bulk_a', 'bulk_b', 'bulk_c'] as const;
  let env: Env;
  let first: RunDocument;

  beforeAll(async () => {
    await db.query(`create table bulk_a (k integer primary key, label text not null, note text, amount numeric, big int8,
      ratio float8, flag boolean, at timestamptz, blob bytea, tags text[], grid int[], exact json, doc jsonb, id uuid)`);
    await db.query('create table bulk_b (like bulk_a including all)');
    await db.query('create table bulk_c (like bulk_a including all)');
    // One existing key makes the straight COPY into bulk_c fail: its rows go through the staging table.
    await db.query(`insert into bulk_c (k, label) values (0, 'hand-made')`);
    await logStatements(db, TABLES);
    env = pgEnv(db, 'public', { SEED_SEEDERS_DIR: seedersDir('exact-bulk-seeder.ts') });
    first = await succeeds('ExactBulkSeeder', env);
  }, RUN_TIMEOUT);

  it('counts every row, in one call per table and in slices of 1,000', () => {
    expect(first.results.seeders.ExactBulkSeeder).toMatchObject({
      status: 'completed',
      created: 3 * ROWS - 1,
      updated: 1,
      deleted: 0,
    });
    expect(reports(first)).toEqual([
      { table: 'bulk_a', created: ROWS, updated: 0, unchanged: 0 },
      { table: 'bulk_c', created: ROWS - 1, updated: 1, unchanged: 0 },
      { table: 'bulk_b', created: ROWS, updated: 0, unchanged: 0 },
    ]);
  });

  it('took the straight COPY for bulk_a, the staging table for bulk_c, statements for bulk_b', async () => {
    const a = await statementsOn(db, 'bulk_a');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatch(/^copy /);
    // The failed straight COPY was rolled back to its savepoint (its log row with it); one INSERT from the staging table remains.
    const c = await statementsOn(db, 'bulk_c');
    expect(c).toHaveLength(1);
    expect(c[0]).toMatch(/^insert into .*pg_temp/s);
    const b = await statementsOn(db, 'bulk_b');
    expect(b).toHaveLength(ROWS / 1_000);
    for (const query of b) expect(query).not.toMatch(/^copy |pg_temp/);
  });

  it('gives every row the same text form in all three tables', async () => {
    for (const table of ['bulk_a', 'bulk_c']) {
      expect(await differingRows(table, 'bulk_b'), table).toEqual([]);
      expect(await count(db, `select count(*) as n from ${table}`), table).toBe(ROWS);
    }
  });

  it('stores the values exactly as given (spot checks)', async () => {
    const rows = await db.query<Record<string, string | null>>(
      `select k::text, label, note, amount::text, big::text, ratio::text, flag::text,
              to_char(at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') as at, encode(blob, 'hex') as blob,
              tags::text, grid::text, exact::text, doc::text, id::text
         from bulk_a where k in (0, 1, 3, 5, 6, 8, 51) order by bulk_a.k`,
    );
    const [k0, k1, k3, k5, k6, k8, k51] = rows;
    expect(k0).toMatchObject({
      big: '9223372036854775807',
      note: null,
      flag: null,
      tags: null,
      doc: null,
      id: '00000000-0000-4000-8000-000000000000',
    });
    expect(k1).toEqual({
      k: '1',
      label: 'new\nline',
      note: '1:trailing\\',
      amount: '-19999999999999999999999999999.00000000000000000010',
      big: '-9223372036854775808',
      ratio: '0.1',
      flag: 'false',
      at: '2024-03-01 00:20:34.566',
      blob: '005cff01000a092e',
      tags: '{NULL,"quote\\"d","back\\\\slash","comma,here","{brace}","NULL",""," spaced ","tab\tand\nnewline",n1}',
      grid: '{{1,-1},{NULL,2147483647}}',
      exact: '{"x": 2.50, "x": 1, "k": 1, "s": "tab\\t\\u00e9"}',
      doc: '{"n": 1, "big": 12345678901234567000, "nested": {"s": "line\\nbreak\\\\", "u": "é", "list": [1, "two", null, true]}}',
      id: '00000001-0000-4000-8000-000000001eef',
    });
    expect(k3).toMatchObject({ label: 'crlf\r\nend', ratio: '-1.7976931348623157e+308', flag: null });
    // A lone `\.` is COPY's end-of-data marker and `\N` its NULL: as values they are plain text.
    expect(k5).toMatchObject({ label: '\\.', amount: '-59999999999999999999999999999.00000000000000000050' });
    expect(k6).toMatchObject({ label: '\\N', flag: null, id: '00000006-0000-4000-8000-00000000b99a' });
    expect(k8).toMatchObject({ label: 'unicode é ✓ 𝄞 中文', note: '8:tab\there', flag: 'true' });
    expect(k51).toMatchObject({ label: '', blob: '' });
  });

  it(
    'a second run creates and updates nothing and rewrites no row',
    async () => {
      const before = await Promise.all(TABLES.map((table) => snapshot(db, table)));
      const again = await succeeds('ExactBulkSeeder', env);
      expect(again.results.seeders.ExactBulkSeeder).toMatchObject({ created: 0, updated: 0, deleted: 0 });
      expect(reports(again)).toEqual([
        { table: 'bulk_a', created: 0, updated: 0, unchanged: ROWS },
        { table: 'bulk_c', created: 0, updated: 0, unchanged: ROWS },
        { table: 'bulk_b', created: 0, updated: 0, unchanged: ROWS },
      ]);
      expect(await Promise.all(TABLES.map((table) => snapshot(db, table)))).toEqual(before);
    },
    RUN_TIMEOUT,
  );
});

describe('a bulk call on a table that already holds some of the keys', () => {
  /** Fills `table` with 1,000 of the seeder's 5,000 keys (every 5th); `hand` decides which hold other values. */
  async function preInsert(table: string, hand: (k: number) => boolean): Promise<void> {
    await db.query(
      `create table ${table} (k integer primary key, label text not null, qty integer not null)`,
    );
    await db.query(
      `insert into ${table} (k, label, qty)
       select k, case when $1::int[] @> array[k] then 'hand-made' else 'label-' || k end, k * 2
         from generate_series(0, 4995, 5) as k`,
      [Array.from({ length: 5_000 }, (_, k) => k).filter(hand)],
    );
  }

  it(
    'creates the 4,000 new rows, updates the 100 that differ and leaves 900 unchanged',
    async () => {
      await preInsert('mixed', (k) => k % 50 === 0);
      const untouched = await db.query<{ k: number; xmin: string }>(
        `select k, xmin::text from mixed where k % 50 <> 0 order by k`,
      );
      const run = await succeeds(
        'KeyedBulkSeeder',
        pgEnv(db, 'public', { SEED_SEEDERS_DIR: seedersDir('keyed-bulk-seeder.ts'), KEYED_TABLE: 'mixed' }),
      );
      expect(run.results.seeders.KeyedBulkSeeder).toMatchObject({ created: 4_000, updated: 100, deleted: 0 });
      expect(reports(run)).toEqual([{ created: 4_000, updated: 100, unchanged: 900 }]);
      expect(
        await count(db, `select count(*) as n from mixed where label = 'label-' || k and qty = k * 2`),
      ).toBe(5_000);
      expect(await count(db, 'select count(*) as n from mixed')).toBe(5_000);
      // Unchanged rows are not rewritten (same row version).
      expect(
        await db.query(`select k, xmin::text from mixed where k % 50 <> 0 and k % 5 = 0 order by k`),
      ).toEqual(untouched);
    },
    RUN_TIMEOUT,
  );

  it(
    "update: 'none' creates the new rows and keeps every existing row as it was",
    async () => {
      await preInsert('kept', (k) => k % 2 === 0);
      const existing = await snapshot(db, 'kept');
      const run = await succeeds(
        'KeyedBulkSeeder',
        pgEnv(db, 'public', {
          SEED_SEEDERS_DIR: seedersDir('keyed-bulk-seeder.ts'),
          KEYED_TABLE: 'kept',
          KEYED_UPDATE: 'none',
        }),
      );
      expect(run.results.seeders.KeyedBulkSeeder).toMatchObject({ created: 4_000, updated: 0, deleted: 0 });
      expect(reports(run)).toEqual([{ created: 4_000, updated: 0, unchanged: 1_000 }]);
      expect(await count(db, `select count(*) as n from kept where label = 'hand-made'`)).toBe(500);
      expect(await snapshot(db, 'kept', 'k % 5 = 0')).toBe(existing);
      expect(
        await count(
          db,
          `select count(*) as n from kept where k % 5 <> 0 and label = 'label-' || k and qty = k * 2`,
        ),
      ).toBe(4_000);
    },
    RUN_TIMEOUT,
  );
});

describe("touch: 'updated_at'", () => {
  const OLD = '2001-02-03 04:05:06+00';
  let env: Env;

  beforeAll(async () => {
    await db.query(`create table touched (k integer primary key, label text not null, qty integer not null,
      updated_at timestamptz not null default now())`);
    env = pgEnv(db, 'public', {
      SEED_SEEDERS_DIR: seedersDir('keyed-bulk-seeder.ts'),
      KEYED_TABLE: 'touched',
      KEYED_TOUCH: '1',
    });
  });

  it(
    'moves updated_at only on the 10 rows a re-run really changed',
    async () => {
      const created = await succeeds('KeyedBulkSeeder', env);
      expect(created.results.seeders.KeyedBulkSeeder).toMatchObject({ created: 5_000, updated: 0 });
      expect(await count(db, 'select count(*) as n from touched where updated_at is null')).toBe(0);

      // A fixed old timestamp everywhere, so any moved one shows.
      await db.query('update touched set updated_at = $1', [OLD]);
      await db.query(
        `update touched set label = 'edited' where k in (select k from touched order by k offset 3000 limit 10)`,
      );
      const repaired = await succeeds('KeyedBulkSeeder', env);
      expect(repaired.results.seeders.KeyedBulkSeeder).toMatchObject({ created: 0, updated: 10 });
      expect(reports(repaired)).toEqual([{ created: 0, updated: 10, unchanged: 4_990 }]);
      const moved = await db.query<{ k: number }>('select k from touched where updated_at <> $1 order by k', [
        OLD,
      ]);
      expect(moved.map((r) => r.k)).toEqual(Array.from({ length: 10 }, (_, i) => 3_000 + i));
      expect(
        await count(db, `select count(*) as n from touched where updated_at > now() - interval '5 minutes'`),
      ).toBe(10);
      expect(await count(db, `select count(*) as n from touched where label = 'edited'`)).toBe(0);
    },
    RUN_TIMEOUT,
  );
});

describe('--dry-run', () => {
  let env: Env;

  beforeAll(async () => {
    await db.query('create table dry (k integer primary key, label text not null, qty integer not null)');
    env = pgEnv(db, 'public', { SEED_SEEDERS_DIR: seedersDir('keyed-bulk-seeder.ts'), KEYED_TABLE: 'dry' });
  });

  it(
    'reports the 5,000 rows it would create and leaves the table empty',
    async () => {
      const run = await succeeds('KeyedBulkSeeder', env, ['--dry-run']);
      expect(run.dry_run).toBe(true);
      expect(run.results.seeders.KeyedBulkSeeder).toMatchObject({ created: 5_000, updated: 0 });
      expect(reports(run)).toEqual([{ created: 5_000, updated: 0, unchanged: 0 }]);
      expect(await count(db, 'select count(*) as n from dry')).toBe(0);
    },
    RUN_TIMEOUT,
  );

  it(
    'reports the rows it would update and leaves them as they were',
    async () => {
      await succeeds('KeyedBulkSeeder', env);
      await db.query(`update dry set qty = -1 where k < 7`);
      const before = await snapshot(db, 'dry');
      const run = await succeeds('KeyedBulkSeeder', env, ['--dry-run']);
      expect(reports(run)).toEqual([{ created: 0, updated: 7, unchanged: 4_993 }]);
      expect(await snapshot(db, 'dry')).toBe(before);
    },
    RUN_TIMEOUT,
  );
});

describe('a failing bulk call fails the run and rolls everything back', () => {
  /** Rows the table holds before each run: the failed run must leave exactly these. */
  let before: string;

  beforeAll(async () => {
    await db.query('create table faulty (k integer primary key, label text not null, qty integer not null)');
  });

  beforeEach(async () => {
    await db.query('truncate faulty');
    await db.query(`insert into faulty select k, 'hand-made', 0 from generate_series(50000, 50009) as k`);
    before = await snapshot(db, 'faulty');
  });

  function faultyRun(fault: string): Promise<FailureDocument> {
    return fails(
      'FaultyBulkSeeder',
      pgEnv(db, 'public', { SEED_SEEDERS_DIR: seedersDir('faulty-bulk-seeder.ts'), FAULT: fault }),
    );
  }

  it(
    'a key given twice in one call: PostgreSQL’s reason, and not even the earlier writes remain',
    async () => {
      const failure = await faultyRun('duplicate');
      expect(failure.error.message).toContain('FaultyBulkSeeder');
      expect(failure.error.message).toContain('cannot affect row a second time');
      expect(await snapshot(db, 'faulty')).toBe(before);
    },
    RUN_TIMEOUT,
  );

  it(
    'a key given twice where some keys already exist (the staging path) fails the same way',
    async () => {
      await db.query(`insert into faulty values (10, 'hand-made', 0)`);
      const withKey = await snapshot(db, 'faulty');
      const failure = await faultyRun('duplicate');
      expect(failure.error.message).toContain('cannot affect row a second time');
      expect(await snapshot(db, 'faulty')).toBe(withKey);
    },
    RUN_TIMEOUT,
  );

  it(
    "'abc' into an integer column at row 3,000: the input error, nothing written",
    async () => {
      const failure = await faultyRun('bad-value');
      expect(failure.error.message).toContain('invalid input syntax for type integer');
      // The value stays out of the message (it is row content); where it was is said instead.
      expect(failure.error.message).not.toContain('"abc"');
      expect(failure.error.message).toMatch(/row \d+ of the data copied into/);
      expect(await snapshot(db, 'faulty')).toBe(before);
    },
    RUN_TIMEOUT,
  );
});

describe('helpers called at once (Promise.all)', () => {
  it(
    'run one after another on the run’s session: an undone straight COPY takes no other call’s rows with it',
    async () => {
      await db.query('create table conc_a (k integer primary key, label text not null)');
      await db.query('create table conc_b (like conc_a including all)');
      await db.query('create table conc_c (like conc_a including all)');
      // The last key exists: conc_b's straight COPY fails at its end and is rolled back to its savepoint.
      await db.query(`insert into conc_b values (2999, 'label-2999')`);
      const run = await succeeds(
        'ConcurrentBulkSeeder',
        pgEnv(db, 'public', { SEED_SEEDERS_DIR: seedersDir('concurrent-bulk-seeder.ts') }),
      );
      expect(JSON.parse(run.warnings[0]!)).toEqual({
        a: { created: 3_000, updated: 0, unchanged: 0 },
        b: { created: 2_999, updated: 0, unchanged: 1 },
        c: 'created',
      });
      expect(await count(db, 'select count(*) as n from conc_a')).toBe(3_000);
      expect(await count(db, 'select count(*) as n from conc_b')).toBe(3_000);
      expect(await count(db, `select count(*) as n from conc_c where label = 'single'`)).toBe(1);
    },
    RUN_TIMEOUT,
  );
});

describe('rows the COPY path cannot take as they are', () => {
  let run: RunDocument;

  beforeAll(async () => {
    await db.query(`create table defaults_items (k integer primary key, label text not null,
      status text not null default 'fresh', seen_at timestamptz)`);
    run = await succeeds(
      'DefaultsBulkSeeder',
      pgEnv(db, 'public', { SEED_SEEDERS_DIR: seedersDir('defaults-bulk-seeder.ts') }),
    );
  }, RUN_TIMEOUT);

  it('both calls succeed and count every row', () => {
    expect(run.results.seeders.DefaultsBulkSeeder).toMatchObject({
      status: 'completed',
      created: 6_000,
      updated: 0,
    });
    expect(reports(run)).toEqual([
      { created: 3_000, updated: 0, unchanged: 0 },
      { created: 3_000, updated: 0, unchanged: 0 },
    ]);
    return expect(count(db, 'select count(*) as n from defaults_items')).resolves.toBe(6_000);
  });

  it('a left-out (or undefined) column gets its DEFAULT, not NULL', async () => {
    const rows = await db.query<{ k: number; status: string }>(
      `select k, status from defaults_items where status <> 'given' order by k`,
    );
    expect(rows).toEqual([
      { k: LEFT_OUT_KEY, status: 'fresh' },
      { k: UNDEFINED_KEY, status: 'fresh' },
    ]);
  });

  it('a sql`now()` value is evaluated by the server', async () => {
    const [row] = await db.query<{ recent: boolean }>(
      `select seen_at > now() - interval '5 minutes' as recent from defaults_items where k = $1`,
      [NOW_KEY],
    );
    expect(row?.recent).toBe(true);
    expect(
      await count(db, `select count(*) as n from defaults_items where seen_at = '2024-05-01 12:00:00+00'`),
    ).toBe(5_999);
  });
});

describe('no unique constraint matching the conflict columns', () => {
  const REASON = 'there is no unique or exclusion constraint matching the ON CONFLICT specification';

  // The straight COPY must never load a table the upsert itself could not run on, empty or not.
  it.each([
    { table: 'no_key', ddl: 'create table no_key (k integer, label text, qty integer)', filled: false },
    {
      table: 'no_key_filled',
      ddl: 'create table no_key_filled (k integer, label text, qty integer)',
      filled: true,
    },
    {
      table: 'wider_key',
      ddl: 'create table wider_key (k integer, label text, qty integer, unique (k, label))',
      filled: false,
    },
    {
      table: 'partial_key',
      ddl: 'create table partial_key (k integer, label text, qty integer); create unique index on partial_key (k) where k >= 0',
      filled: false,
    },
  ])(
    '$table (filled: $filled) fails with PostgreSQL’s reason and stays as it was',
    async ({ table, ddl, filled }) => {
      await db.query(ddl);
      if (filled)
        await db.query(`insert into ${table} select k, 'hand-made', 0 from generate_series(0, 9) as k`);
      const before = await db.query(`select * from ${table} order by k`);
      const failure = await fails(
        'KeyedBulkSeeder',
        pgEnv(db, 'public', { SEED_SEEDERS_DIR: seedersDir('keyed-bulk-seeder.ts'), KEYED_TABLE: table }),
      );
      expect(failure.error.message).toContain(REASON);
      expect(await db.query(`select * from ${table} order by k`)).toEqual(before);
    },
    RUN_TIMEOUT,
  );
});

describe('a role without the TEMPORARY privilege', () => {
  let own: FreshDatabase;
  let role: string;
  let env: Env;
  let first: CliResult;

  beforeAll(async () => {
    // Its own database: revoking TEMPORARY from PUBLIC is database-wide.
    own = await freshDatabase('seeder-bulk-no-temp');
    role = uniqueName('ffs', 'no_temp', '_');
    // A password: a throwaway embedded server (no local PostgreSQL) authenticates by SCRAM, not trust.
    await own.query(`create role ${role} login password '${PASSWORD}'`);
    await own.query(`revoke temporary on database ${own.name} from public`);
    // Owning the schema lets the tool create its tracking tables; it gives no TEMPORARY.
    await own.query(`alter schema public owner to ${role}`);
    await own.query('create table keyed (k integer primary key, label text not null, qty integer not null)');
    await logStatements(own, ['keyed']);
    for (const owned of ['keyed', 'statement_log']) await own.query(`alter table ${owned} owner to ${role}`);
    env = pgEnv(own, 'public', {
      DATABASE_URL: urlAs(own, role, PASSWORD),
      SEED_SEEDERS_DIR: seedersDir('keyed-bulk-seeder.ts'),
      KEYED_TABLE: 'keyed',
    });
    first = await runSeeder('KeyedBulkSeeder', env);
  }, RUN_TIMEOUT);

  afterAll(() => dropRoleAndDatabase(own, role));

  it('really lacks TEMPORARY', async () => {
    const [row] = await own.query<{ allowed: boolean }>(
      `select has_database_privilege($1, current_database(), 'TEMPORARY') as allowed`,
      [role],
    );
    expect(row?.allowed).toBe(false);
  });

  it('creates the rows of an empty table', async () => {
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(reports(first.json<RunDocument>())).toEqual([{ created: 5_000, updated: 0, unchanged: 0 }]);
    expect(await count(own, 'select count(*) as n from keyed')).toBe(5_000);
  });

  it('loads the empty table by the straight COPY, which needs no temporary table', async () => {
    const statements = await statementsOn(own, 'keyed');
    expect(statements[0]).toMatch(/^copy /);
  });

  it(
    'updates 5 rows changed by hand through the statement path',
    async () => {
      await own.query(`update keyed set label = 'edited' where k in (10, 20, 30, 40, 50)`);
      await clearStatementLog(own);
      const run = await succeeds('KeyedBulkSeeder', env);
      expect(run.results.seeders.KeyedBulkSeeder).toMatchObject({ created: 0, updated: 5 });
      expect(reports(run)).toEqual([{ created: 0, updated: 5, unchanged: 4_995 }]);
      expect(await count(own, `select count(*) as n from keyed where label = 'label-' || k`)).toBe(5_000);
      for (const query of await statementsOn(own, 'keyed')) expect(query).not.toMatch(/pg_temp/);
    },
    RUN_TIMEOUT,
  );
});

describe('a non-public schema', () => {
  const schema = 'kitchen';

  beforeAll(async () => {
    await db.query(`create schema ${schema}`);
  });

  function env(table: string): Env {
    return pgEnv(db, schema, { SEED_SEEDERS_DIR: seedersDir('keyed-bulk-seeder.ts'), KEYED_TABLE: table });
  }

  it(
    'creates, then updates 3 changed rows, in that schema only',
    async () => {
      await db.query(
        `create table ${schema}.menu (k integer primary key, label text not null, qty integer not null)`,
      );
      const created = await succeeds('KeyedBulkSeeder', env('menu'));
      expect(reports(created)).toEqual([{ created: 5_000, updated: 0, unchanged: 0 }]);

      await db.query(`update ${schema}.menu set qty = -1 where k in (7, 70, 700)`);
      const repaired = await succeeds('KeyedBulkSeeder', env('menu'));
      expect(repaired.results.seeders.KeyedBulkSeeder).toMatchObject({ created: 0, updated: 3 });
      expect(reports(repaired)).toEqual([{ created: 0, updated: 3, unchanged: 4_997 }]);
      expect(await count(db, `select count(*) as n from ${schema}.menu where qty = k * 2`)).toBe(5_000);
      const [publicTable] = await db.query<{ found: string | null }>(
        `select to_regclass('public.menu')::text as found`,
      );
      expect(publicTable?.found).toBeNull();
    },
    RUN_TIMEOUT,
  );

  // The catalog look-up and the staging table must name the configured schema: an unqualified
  // name resolves through search_path, where public comes first.
  it(
    'writes nothing into a same-named table in public',
    async () => {
      await db.query(
        `create table ${schema}.twin (k integer primary key, label text not null, qty integer not null)`,
      );
      await db.query(`create table public.twin (like ${schema}.twin including all)`);
      const created = await succeeds('KeyedBulkSeeder', env('twin'));
      expect(reports(created)).toEqual([{ created: 5_000, updated: 0, unchanged: 0 }]);
      expect(await count(db, 'select count(*) as n from public.twin')).toBe(0);
      expect(await count(db, `select count(*) as n from ${schema}.twin where label = 'label-' || k`)).toBe(
        5_000,
      );

      await db.query(`update ${schema}.twin set label = 'edited' where k in (1, 2, 3)`);
      const repaired = await succeeds('KeyedBulkSeeder', env('twin'));
      expect(reports(repaired)).toEqual([{ created: 0, updated: 3, unchanged: 4_997 }]);
      expect(await count(db, `select count(*) as n from ${schema}.twin where label = 'label-' || k`)).toBe(
        5_000,
      );
      expect(await count(db, 'select count(*) as n from public.twin')).toBe(0);
    },
    RUN_TIMEOUT,
  );
});

describe('a BEFORE INSERT trigger that skips rows', () => {
  let env: Env;

  beforeAll(async () => {
    await db.query(
      'create table skipping (k integer primary key, label text not null, qty integer not null)',
    );
    await db.query(`create function skip_odd() returns trigger language plpgsql as $$
      begin if new.k % 2 = 1 then return null; end if; return new; end $$`);
    await db.query(
      'create trigger skip_odd before insert on skipping for each row execute function skip_odd()',
    );
    env = pgEnv(db, 'public', {
      SEED_SEEDERS_DIR: seedersDir('keyed-bulk-seeder.ts'),
      KEYED_TABLE: 'skipping',
    });
  });

  it(
    'counts as created only the rows the table really took',
    async () => {
      const run = await succeeds('KeyedBulkSeeder', env);
      const stored = await count(db, 'select count(*) as n from skipping');
      expect(stored).toBe(2_500);
      expect(run.results.seeders.KeyedBulkSeeder).toMatchObject({ created: stored, updated: 0 });
      expect(reports(run)).toEqual([{ created: stored, updated: 0, unchanged: 5_000 - stored }]);
    },
    RUN_TIMEOUT,
  );

  it(
    'a re-run (through the staging table) creates nothing: the odd rows are skipped again',
    async () => {
      const run = await succeeds('KeyedBulkSeeder', env);
      expect(reports(run)).toEqual([{ created: 0, updated: 0, unchanged: 5_000 }]);
      expect(await count(db, 'select count(*) as n from skipping')).toBe(2_500);
    },
    RUN_TIMEOUT,
  );
});

describe('values node-postgres and JSON could write differently', () => {
  /** Both tables of a case hold the same rows, with the same text. */
  async function sameRows(name: string): Promise<void> {
    expect(await differingRows(`${name}_bulk`, `${name}_slices`)).toEqual([]);
    expect(await count(db, `select count(*) as n from ${name}_bulk`)).toBe(2_000);
  }

  it(
    'a Date into timestamp, date and text columns, outside UTC',
    async () => {
      await db.query(
        'create table dates_bulk (k integer primary key, local_at timestamp, day date, as_text text)',
      );
      await db.query('create table dates_slices (like dates_bulk including all)');
      // Outside UTC, node-postgres writes a Date as local time and JSON as UTC: one call or ten must store the same.
      await succeeds(
        'DivergentBulkSeeder',
        pgEnv(db, 'public', {
          SEED_SEEDERS_DIR: seedersDir('divergent-bulk-seeder.ts'),
          DIVERGENT_CASE: 'dates',
          TZ: 'America/New_York',
        }),
      );
      await sameRows('dates');
    },
    RUN_TIMEOUT,
  );

  it(
    'a JS array into a jsonb column',
    async () => {
      await db.query('create table arrays_bulk (k integer primary key, list jsonb)');
      await db.query('create table arrays_slices (like arrays_bulk including all)');
      await succeeds(
        'DivergentBulkSeeder',
        pgEnv(db, 'public', {
          SEED_SEEDERS_DIR: seedersDir('divergent-bulk-seeder.ts'),
          DIVERGENT_CASE: 'arrays',
        }),
      );
      await sameRows('arrays');
    },
    RUN_TIMEOUT,
  );
});

describe('Ctrl-C while a bulk COPY is streaming', () => {
  /** Enough rows that the COPY is still running when the test sees it and interrupts. */
  const ROWS = 3_000_000;

  /** Resolves once the CLI's session runs a COPY into `table` (or into its staging table). */
  async function copyRunning(copyInto: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const rows = await db.query<{ query: string }>(
        `select query from pg_stat_activity where datname = current_database() and application_name like 'foodfleet-seed:%' and state = 'active'`,
      );
      if (rows.some((r) => copyInto.test(r.query))) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no COPY matching ${copyInto} started within ${timeoutMs} ms`);
  }

  async function interrupted(table: string, copyInto: RegExp): Promise<void> {
    const before = await snapshot(db, table);
    const env = pgEnv(db, 'public', {
      SEED_SEEDERS_DIR: seedersDir('keyed-bulk-seeder.ts'),
      KEYED_TABLE: table,
      KEYED_ROWS: String(ROWS),
    });
    const cli = startCli(['run', '--json', '--no-backup', '--only', 'KeyedBulkSeeder'], {
      env,
      timeoutMs: RUN_TIMEOUT,
    });
    await copyRunning(copyInto);
    const sent = Date.now();
    const result = await cli.kill('SIGINT');
    // The COPY was stopped, not streamed to its end.
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(result.code, result.stdout + result.stderr).toBe(130);
    expect(result.json<FailureDocument>()).toMatchObject({ success: false, error: { code: 'CANCELLED' } });
    expect(await snapshot(db, table)).toBe(before);
    // Nothing is left running or locked: a normal run goes through at once.
    const again = await succeeds(
      'KeyedBulkSeeder',
      pgEnv(db, 'public', { SEED_SEEDERS_DIR: seedersDir('keyed-bulk-seeder.ts'), KEYED_TABLE: table }),
    );
    expect(again.results.seeders.KeyedBulkSeeder?.status).toBe('completed');
  }

  it(
    'the straight COPY into an empty table: exit 130, the table still empty',
    async () => {
      await db.query(
        'create table interrupted_straight (k integer primary key, label text not null, qty integer not null)',
      );
      await interrupted('interrupted_straight', /^copy \S*interrupted_straight\b/i);
    },
    RUN_TIMEOUT,
  );

  it(
    'the COPY into the staging table: exit 130, the table as it was',
    async () => {
      await db.query(
        'create table interrupted_staged (k integer primary key, label text not null, qty integer not null)',
      );
      await db.query(`insert into interrupted_staged values (0, 'hand-made', 0)`);
      await interrupted('interrupted_staged', /^copy "pg_temp"\."foodfleet_seed_stage_/i);
    },
    RUN_TIMEOUT,
  );
});
