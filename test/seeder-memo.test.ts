import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, runCli, type FreshDatabase } from './support/index.js';
import type { RunDocument, UpsertReport } from './support/documents.js';
import { pgEnv } from './support/seeded-rows.js';
import { seedersDir } from './support/seeders-dir.js';
import { dropRoleAndDatabase, urlAs } from './support/roles.js';
import { uniqueName } from './support/unique.js';

/**
 * A bulk upsert's memo (2,000 rows or more on PostgreSQL): a re-run with the same input on a
 * table whose rows were not touched since skips checking every row — and anything that touched
 * the table or changed the input makes it check every row, with exactly the usual counts. The
 * memo is re-written whenever the rows were checked, and only then: its updated_at shows which
 * way a run went.
 */

const RUN_TIMEOUT = 120_000;
/** The throwaway login role's password (a throwaway embedded server authenticates by SCRAM, not trust). */
const PASSWORD = 'memo-pass-123';
const ROWS = 5_000;

type Env = Record<string, string | undefined>;

let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase('seeder-memo');
});

afterAll(async () => {
  await db?.close();
});

function keyedEnv(table: string, extra: Env = {}): Env {
  return pgEnv(db, 'public', {
    SEED_SEEDERS_DIR: seedersDir('keyed-bulk-seeder.ts'),
    KEYED_TABLE: table,
    ...extra,
  });
}

/** Runs KeyedBulkSeeder and returns its one upsertMany result. */
async function upsert(env: Env, flags: string[] = []): Promise<UpsertReport> {
  const result = await runCli(['run', '--json', '--no-backup', ...flags, '--only', 'KeyedBulkSeeder'], {
    env,
    timeoutMs: RUN_TIMEOUT,
  });
  expect(result.code, result.stdout + result.stderr).toBe(0);
  const [warning] = result.json<RunDocument>().warnings;
  return JSON.parse(warning!) as UpsertReport;
}

/** The memo's last write, or null when there is none. */
async function memoWrittenAt(table: string): Promise<string | null> {
  const [exists] = await db.query<{ found: boolean }>(
    `select to_regclass('foodfleet_seed_upsert_memos') is not null as found`,
  );
  if (!exists?.found) return null;
  const [row] = await db.query<{ at: string }>(
    `select updated_at::text as at from foodfleet_seed_upsert_memos where seeder = 'KeyedBulkSeeder' and call = $1`,
    [`${table}#1`],
  );
  return row?.at ?? null;
}

/** Every row's version and text: equal snapshots mean nothing was written. */
async function snapshot(table: string): Promise<string> {
  const [row] = await db.query<{ digest: string }>(
    `select md5(string_agg(t.xmin::text || ' ' || t::text, E'\\n' order by t.k)) as digest from ${table} t`,
  );
  return row!.digest;
}

async function createTable(table: string): Promise<void> {
  await db.query(`create table ${table} (k integer primary key, label text not null, qty integer not null)`);
}

/** Asserts that a run changed nothing and checked nothing (the memo answered). */
async function expectAnsweredByMemo(table: string, env: Env): Promise<void> {
  const before = { memo: await memoWrittenAt(table), rows: await snapshot(table) };
  expect(before.memo).not.toBeNull();
  expect(await upsert(env)).toEqual({ created: 0, updated: 0, unchanged: ROWS });
  expect(await memoWrittenAt(table)).toBe(before.memo);
  expect(await snapshot(table)).toBe(before.rows);
}

/** Asserts that a run checked every row (the memo was re-written) and returns its counts. */
async function checkedEveryRow(table: string, env: Env): Promise<UpsertReport> {
  const before = await memoWrittenAt(table);
  const report = await upsert(env);
  const after = await memoWrittenAt(table);
  expect(after).not.toBeNull();
  expect(after).not.toBe(before);
  return report;
}

describe('a bulk upsert remembers what it wrote', () => {
  const TABLE = 'memo_items';
  const env = () => keyedEnv(TABLE);

  beforeAll(async () => {
    await createTable(TABLE);
  });

  it(
    'the first run creates every row and keeps a memo',
    async () => {
      expect(await memoWrittenAt(TABLE)).toBeNull();
      expect(await upsert(env())).toEqual({ created: ROWS, updated: 0, unchanged: 0 });
      expect(await memoWrittenAt(TABLE)).not.toBeNull();
    },
    RUN_TIMEOUT,
  );

  it(
    'a re-run with the same rows on an untouched table is answered by the memo',
    async () => {
      await expectAnsweredByMemo(TABLE, env());
    },
    RUN_TIMEOUT,
  );

  it(
    'a row changed by hand: every row is checked, that one restored, then the memo answers again',
    async () => {
      await db.query(`update ${TABLE} set label = 'by hand' where k = 1234`);
      expect(await checkedEveryRow(TABLE, env())).toEqual({ created: 0, updated: 1, unchanged: ROWS - 1 });
      const [row] = await db.query<{ label: string }>(`select label from ${TABLE} where k = 1234`);
      expect(row?.label).toBe('label-1234');
      await expectAnsweredByMemo(TABLE, env());
    },
    RUN_TIMEOUT,
  );

  it(
    'a row deleted by hand is created again',
    async () => {
      await db.query(`delete from ${TABLE} where k = 77`);
      expect(await checkedEveryRow(TABLE, env())).toEqual({ created: 1, updated: 0, unchanged: ROWS - 1 });
      await expectAnsweredByMemo(TABLE, env());
    },
    RUN_TIMEOUT,
  );

  it(
    'a row added by hand under another key: every row is checked, the extra row is kept',
    async () => {
      await db.query(`insert into ${TABLE} (k, label, qty) values (-1, 'extra', 0)`);
      expect(await checkedEveryRow(TABLE, env())).toEqual({ created: 0, updated: 0, unchanged: ROWS });
      expect(await db.query(`select label from ${TABLE} where k = -1`)).toEqual([{ label: 'extra' }]);
      await db.query(`delete from ${TABLE} where k = -1`);
    },
    RUN_TIMEOUT,
  );

  it(
    'the same values rewritten by hand (new row versions): checked, nothing to update',
    async () => {
      await db.query(`update ${TABLE} set qty = qty where k < 10`);
      expect(await checkedEveryRow(TABLE, env())).toEqual({ created: 0, updated: 0, unchanged: ROWS });
    },
    RUN_TIMEOUT,
  );

  it(
    'truncated and reloaded with the same rows: checked, nothing to update',
    async () => {
      await db.query(`create temporary table saved as select * from ${TABLE}`);
      await db.query(`truncate ${TABLE}`);
      await db.query(`insert into ${TABLE} select * from saved`);
      expect(await checkedEveryRow(TABLE, env())).toEqual({ created: 0, updated: 0, unchanged: ROWS });
      await expectAnsweredByMemo(TABLE, env());
    },
    RUN_TIMEOUT,
  );

  it(
    'changed input: every row is checked and updated',
    async () => {
      expect(await checkedEveryRow(TABLE, keyedEnv(TABLE, { KEYED_LABEL: 'v2-' }))).toEqual({
        created: 0,
        updated: ROWS,
        unchanged: 0,
      });
      expect(await db.query(`select count(*)::int as n from ${TABLE} where label = 'v2-' || k`)).toEqual([
        { n: ROWS },
      ]);
      // And back: the memo of the v2 run does not answer for the v1 rows.
      expect(await checkedEveryRow(TABLE, env())).toEqual({ created: 0, updated: ROWS, unchanged: 0 });
    },
    RUN_TIMEOUT,
  );

  it(
    'other options with the same rows are another input',
    async () => {
      await db.query(`update ${TABLE} set label = 'kept by update none' where k = 5`);
      expect(await checkedEveryRow(TABLE, keyedEnv(TABLE, { KEYED_UPDATE: 'none' }))).toEqual({
        created: 0,
        updated: 0,
        unchanged: ROWS,
      });
      expect(await checkedEveryRow(TABLE, env())).toEqual({ created: 0, updated: 1, unchanged: ROWS - 1 });
    },
    RUN_TIMEOUT,
  );

  it(
    'a dry run reports what it would do and keeps neither the change nor a new memo',
    async () => {
      await db.query(`update ${TABLE} set qty = -1 where k = 9`);
      const memo = await memoWrittenAt(TABLE);
      const result = await runCli(
        ['run', '--json', '--no-backup', '--dry-run', '--only', 'KeyedBulkSeeder'],
        { env: env(), timeoutMs: RUN_TIMEOUT },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.json<RunDocument>().warnings[0]!)).toEqual({
        created: 0,
        updated: 1,
        unchanged: ROWS - 1,
      });
      expect(await db.query(`select qty from ${TABLE} where k = 9`)).toEqual([{ qty: -1 }]);
      expect(await memoWrittenAt(TABLE)).toBe(memo);
      expect(await checkedEveryRow(TABLE, env())).toEqual({ created: 0, updated: 1, unchanged: ROWS - 1 });
    },
    RUN_TIMEOUT,
  );
});

describe('the same text under other session settings is another input', () => {
  it(
    'a local time without offset re-read under another TimeZone: every row is checked and updated',
    async () => {
      await db.query(
        'create table memo_tz (k integer primary key, label text not null, qty integer not null, at timestamptz not null)',
      );
      const env = keyedEnv('memo_tz', { KEYED_AT: '2024-06-01 12:00' });
      const dbName = db.name;
      await db.query(`alter database "${dbName}" set timezone = 'UTC'`);
      try {
        expect(await upsert(env)).toEqual({ created: ROWS, updated: 0, unchanged: 0 });
        await expectAnsweredByMemo('memo_tz', env);
        await db.query(`alter database "${dbName}" set timezone = 'Asia/Tokyo'`);
        // 12:00 in Tokyo is another instant than 12:00 UTC: the rows really change.
        expect(await checkedEveryRow('memo_tz', env)).toEqual({ created: 0, updated: ROWS, unchanged: 0 });
        expect(
          await db.query(`select count(*)::int as n from memo_tz where at = '2024-06-01 03:00+00'`),
        ).toEqual([{ n: ROWS }]);
      } finally {
        await db.query(`alter database "${dbName}" reset timezone`);
      }
    },
    RUN_TIMEOUT,
  );
});

describe('a catalog change that keeps every row version', () => {
  it(
    'an enum label renamed: the old text no longer parses, and the run says so instead of trusting the memo',
    async () => {
      await db.query(`create type memo_mood as enum ('calm', 'busy')`);
      await db.query(
        'create table memo_enum (k integer primary key, label text not null, qty integer not null, at memo_mood not null)',
      );
      const env = keyedEnv('memo_enum', { KEYED_AT: 'calm' });
      expect(await upsert(env)).toEqual({ created: ROWS, updated: 0, unchanged: 0 });
      await expectAnsweredByMemo('memo_enum', env);
      await db.query(`alter type memo_mood rename value 'calm' to 'quiet'`);
      const rows = await snapshot('memo_enum');
      const result = await runCli(['run', '--json', '--no-backup', '--only', 'KeyedBulkSeeder'], {
        env,
        timeoutMs: RUN_TIMEOUT,
      });
      expect(result.code, result.stdout).toBe(1);
      expect(result.stdout).toContain('invalid input value for enum memo_mood');
      // The value itself is row content: withheld from every message (the row and column are named).
      expect(result.stdout).not.toContain('calm');
      expect(await snapshot('memo_enum')).toBe(rows);
    },
    RUN_TIMEOUT,
  );
});

describe('changes a memo must not miss', () => {
  it(
    'a column dropped and added again (every row version kept): every row is checked and refilled',
    async () => {
      await db.query('create table memo_cols (k integer primary key, qty integer not null, label text)');
      const env = keyedEnv('memo_cols');
      expect(await upsert(env)).toEqual({ created: ROWS, updated: 0, unchanged: 0 });
      await expectAnsweredByMemo('memo_cols', env);
      await db.query('alter table memo_cols drop column label');
      await db.query('alter table memo_cols add column label text');
      expect(await checkedEveryRow('memo_cols', env)).toEqual({ created: 0, updated: ROWS, unchanged: 0 });
      expect(await db.query(`select count(*)::int as n from memo_cols where label = 'label-' || k`)).toEqual([
        { n: ROWS },
      ]);
    },
    RUN_TIMEOUT,
  );

  it(
    "'now' is read anew on every run: no memo, every run updates",
    async () => {
      await db.query(
        'create table memo_now (k integer primary key, label text not null, qty integer not null, at timestamptz not null)',
      );
      const env = keyedEnv('memo_now', { KEYED_AT: 'now' });
      expect(await upsert(env)).toEqual({ created: ROWS, updated: 0, unchanged: 0 });
      expect(await upsert(env)).toEqual({ created: 0, updated: ROWS, unchanged: 0 });
      expect(await memoWrittenAt('memo_now')).toBeNull();
    },
    RUN_TIMEOUT,
  );

  it(
    'an enum label renamed inside an array column: every row is checked and updated',
    async () => {
      await db.query(`create type memo_level as enum ('low', 'ok')`);
      await db.query(
        'create table memo_levels (k integer primary key, label text not null, qty integer not null, at memo_level[] not null)',
      );
      const env = keyedEnv('memo_levels', { KEYED_AT: '{ok}' });
      expect(await upsert(env)).toEqual({ created: ROWS, updated: 0, unchanged: 0 });
      await expectAnsweredByMemo('memo_levels', env);
      await db.query(`alter type memo_level rename value 'ok' to 'fine'`);
      await db.query(`alter type memo_level add value 'ok'`);
      expect(await checkedEveryRow('memo_levels', env)).toEqual({ created: 0, updated: ROWS, unchanged: 0 });
      expect(await db.query(`select count(*)::int as n from memo_levels where at = '{ok}'`)).toEqual([
        { n: ROWS },
      ]);
    },
    RUN_TIMEOUT,
  );
});

describe('a role that may not use the memo table', () => {
  let own: FreshDatabase;
  let role: string;
  let env: Env;

  beforeAll(async () => {
    own = await freshDatabase('seeder-memo-role');
    role = uniqueName('ffs', 'memo', '_');
    // A password: a throwaway embedded server (no local PostgreSQL) authenticates by SCRAM, not trust.
    await own.query(`create role ${role} login password '${PASSWORD}'`);
    // The tool's tables are created by an administrator; the role may use them but not create any.
    const admin = pgEnv(own);
    expect((await runCli(['migrate', '--json'], { env: admin, timeoutMs: RUN_TIMEOUT })).code).toBe(0);
    await own.query('create table keyed (k integer primary key, label text not null, qty integer not null)');
    await own.query(`revoke create on schema public from public`);
    await own.query(`grant usage on schema public to ${role}`);
    await own.query(`grant all on all tables in schema public to ${role}`);
    await own.query(`grant all on all sequences in schema public to ${role}`);
    await own.query(`revoke all on foodfleet_seed_upsert_memos from ${role}`);
    env = pgEnv(own, 'public', {
      DATABASE_URL: urlAs(own, role, PASSWORD),
      SEED_SEEDERS_DIR: seedersDir('keyed-bulk-seeder.ts'),
      KEYED_TABLE: 'keyed',
    });
  }, RUN_TIMEOUT);

  afterAll(() => dropRoleAndDatabase(own, role));

  async function upsertAs(): Promise<UpsertReport> {
    const result = await runCli(['run', '--json', '--no-backup', '--only', 'KeyedBulkSeeder'], {
      env,
      timeoutMs: RUN_TIMEOUT,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    return JSON.parse(result.json<RunDocument>().warnings[0]!) as UpsertReport;
  }

  it(
    'without rights on the memo table: the runs succeed and every row is checked',
    async () => {
      expect(await upsertAs()).toEqual({ created: ROWS, updated: 0, unchanged: 0 });
      await own.query(`update keyed set label = 'by hand' where k = 3`);
      expect(await upsertAs()).toEqual({ created: 0, updated: 1, unchanged: ROWS - 1 });
      expect(await own.query('select count(*)::int as n from foodfleet_seed_upsert_memos')).toEqual([
        { n: 0 },
      ]);
    },
    RUN_TIMEOUT,
  );

  it(
    'with the memo migration still pending and no right to create tables: it passes without a memo table',
    async () => {
      await own.query('drop table foodfleet_seed_upsert_memos');
      // As after an upgrade from a version before the memos (and the later 0003): both pending.
      await own.query(
        `delete from foodfleet_seed_migrations where name in ('0002_upsert_memos', '0003_default_password_hash')`,
      );
      expect(await upsertAs()).toEqual({ created: 0, updated: 0, unchanged: ROWS });
      expect(
        await own.query(`select name from foodfleet_seed_migrations where name = '0002_upsert_memos'`),
      ).toEqual([{ name: '0002_upsert_memos' }]);
      expect(await own.query(`select to_regclass('foodfleet_seed_upsert_memos') is null as absent`)).toEqual([
        { absent: true },
      ]);
    },
    RUN_TIMEOUT,
  );
});

describe('tables a memo cannot speak for', () => {
  it(
    'a table with a user trigger keeps no memo and is checked every run',
    async () => {
      await createTable('memo_triggered');
      // A BEFORE trigger that stamps every write: each run really does update these rows.
      await db.query('create sequence memo_stamp');
      await db.query(
        `create function memo_stamp() returns trigger language plpgsql as $$ begin new.label := new.label || '@' || nextval('memo_stamp'); return new; end $$`,
      );
      await db.query(
        `create trigger memo_stamp before insert or update on memo_triggered for each row execute function memo_stamp()`,
      );
      expect(await upsert(keyedEnv('memo_triggered'))).toEqual({ created: ROWS, updated: 0, unchanged: 0 });
      expect(await upsert(keyedEnv('memo_triggered'))).toEqual({ created: 0, updated: ROWS, unchanged: 0 });
      expect(await memoWrittenAt('memo_triggered')).toBeNull();
    },
    RUN_TIMEOUT,
  );

  it(
    'a table much larger than the call keeps no memo',
    async () => {
      await createTable('memo_large');
      await db.query(`insert into memo_large select -k, 'other', 0 from generate_series(1, 20000) k`);
      await db.query('analyze memo_large');
      expect(await upsert(keyedEnv('memo_large'))).toEqual({ created: ROWS, updated: 0, unchanged: 0 });
      expect(await memoWrittenAt('memo_large')).toBeNull();
    },
    RUN_TIMEOUT,
  );

  it(
    'the memo table is the tool’s own: a backup leaves it out',
    async () => {
      const result = await runCli(['backup', '--json'], { env: pgEnv(db), timeoutMs: RUN_TIMEOUT });
      expect(result.code, result.stderr).toBe(0);
      const tables = Object.keys(result.json<{ tables: Record<string, number> }>().tables);
      expect(tables).toContain('memo_items');
      expect(tables).not.toContain('foodfleet_seed_upsert_memos');
    },
    RUN_TIMEOUT,
  );
});
