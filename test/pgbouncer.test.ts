import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireRunLock, type HeldRunLock } from '../src/db/run-lock.js';
import { SeedError } from '../src/errors.js';
import { canonicalDump } from './support/canonical-dump.js';
import type { FailureDocument, HistoryDocument, RunDocument } from './support/documents.js';
import { pgbouncerAvailable, startPgBouncer, type RunningPgBouncer } from './support/pgbouncer.js';
import { rowCounts, SEEDED, tablesIn } from './support/seeded-rows.js';
import { seedersDir } from './support/seeders-dir.js';
import {
  freshDatabase,
  pgAdminUrl,
  runCli,
  startCli,
  tempDir,
  type CliResult,
  type FreshDatabase,
} from './support/index.js';

/**
 * The tool behind a real PgBouncer: in session mode everything works as directly; in transaction
 * mode every command refuses before touching the database, and two runs never both hold the lock.
 */
const available = pgbouncerAvailable();

const ABSENT = {
  permissions: null,
  roles: null,
  role_permissions: null,
  users: null,
  user_roles: null,
  sms_templates: null,
};

let db: FreshDatabase;
const bouncers: RunningPgBouncer[] = [];

async function bouncer(...args: Parameters<typeof startPgBouncer>): Promise<RunningPgBouncer> {
  const started = await startPgBouncer(...args);
  bouncers.push(started);
  return started;
}

beforeAll(async () => {
  if (available) db = await freshDatabase('pgbouncer');
});

afterAll(async () => {
  await Promise.all(bouncers.map((b) => b.stop()));
  await db?.close();
});

function env(url: string, schema: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: url, DATABASE_SCHEMA: schema, ...extra };
}

function expectRefused(result: CliResult): FailureDocument {
  expect(result.code, result.stderr).toBe(2);
  const failure = result.json<FailureDocument>();
  expect(failure.error.code).toBe('POOLER_UNSUPPORTED');
  expect(failure.error.message).toMatch(/transaction \(or statement\) pooling/);
  expect(failure.error.message).toMatch(/nothing was changed/i);
  expect(failure.error.message).toMatch(/pool_mode=session/);
  expect(failure.error.message).not.toMatch(/\n/);
  expect(failure.execution_id).toBeUndefined();
  return failure;
}

describe.skipIf(!available)('PgBouncer in session mode', () => {
  let pooled: string;

  beforeAll(async () => {
    pooled = (await bouncer(pgAdminUrl(), { poolMode: 'session', poolSize: 10 })).url(db.url);
  });

  it('run, backup and restore give the same results as a direct connection', async () => {
    const backups = tempDir('foodfleet-pgbouncer-backups-');
    const direct = await runCli(['run', '--json', '--no-backup'], { env: env(db.url, 'direct') });
    const through = await runCli(['run', '--json', '--no-backup'], { env: env(pooled, 'pooled') });
    expect(direct.code, direct.stderr).toBe(0);
    expect(through.code, through.stderr).toBe(0);
    expect(through.json<RunDocument>().results.total).toEqual(direct.json<RunDocument>().results.total);
    expect(await rowCounts(db, 'pooled')).toEqual(SEEDED);

    expect(await rowCounts(db, 'direct')).toEqual(SEEDED);
    const query = (sql: string, params?: unknown[]) => db.query(sql, params);
    const seeded = await canonicalDump(query, 'pooled');

    const backup = await runCli(['backup', '--json'], {
      env: env(pooled, 'pooled', { SEED_BACKUP_DIR: backups }),
    });
    expect(backup.code, backup.stderr).toBe(0);
    const { key, tables } = backup.json<{ key: string; tables: Record<string, number> }>();
    expect(tables).toEqual(SEEDED);

    await db.query('delete from pooled.user_roles');
    await db.query(`update pooled.sms_templates set body = 'changed'`);
    expect(await canonicalDump(query, 'pooled')).not.toEqual(seeded);

    const restore = await runCli(['restore', '--key', key, '--yes', '--no-backup', '--json'], {
      env: env(pooled, 'pooled', { SEED_BACKUP_DIR: backups }),
    });
    expect(restore.code, restore.stderr).toBe(0);
    expect(await canonicalDump(query, 'pooled')).toEqual(seeded);
  });

  it('database.statementTimeout connects through a stock PgBouncer and still limits statements', async () => {
    const dir = tempDir('foodfleet-pgbouncer-config-');
    const config = path.join(dir, 'seedrc.json');
    writeFileSync(config, JSON.stringify({ database: { statementTimeout: 1 } }));
    const result = await runCli(['run', '--json', '--no-backup', '--config', config], {
      env: env(pooled, 'timeout'),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(await rowCounts(db, 'timeout')).toEqual(SEEDED);

    // A statement longer than the limit is cancelled by the server: the timeout is in force.
    const slow = await runCli(['run', '--json', '--no-backup', '--config', config], {
      env: env(pooled, 'timeout', {
        SEED_SEEDERS_DIR: seedersDir('slow-seeder.ts'),
        SLOW_SEEDER_SECONDS: '3',
        SLOW_SEEDER_MODE: 'sql',
      }),
    });
    expect(slow.code, slow.stderr).toBe(1);
    expect(slow.json<FailureDocument>().error.message).toMatch(/statement timeout/);
  });

  it('a startup parameter PgBouncer refuses: exit 2 naming ignore_startup_parameters; nothing touched', async () => {
    const url = new URL(pooled);
    url.searchParams.set('options', '-c search_path=public');
    const result = await runCli(['run', '--json'], { env: env(url.toString(), 'refused_parameter') });
    expect(result.code, result.stderr).toBe(2);
    const failure = result.json<FailureDocument>();
    expect(failure.error.code).toBe('POOLER_UNSUPPORTED');
    expect(failure.error.message).toContain('ignore_startup_parameters = options');
    expect(await tablesIn(db, 'refused_parameter')).toEqual([]);
  });

  it('a session pool of one server connection: exit 1 saying the pool is too small; nothing touched', async () => {
    const tiny = await bouncer(pgAdminUrl(), { poolMode: 'session', poolSize: 1, queryWaitTimeout: 2 });
    const result = await runCli(['run', '--json'], { env: env(tiny.url(db.url), 'starved') });
    expect(result.code, result.stderr).toBe(1);
    const failure = result.json<FailureDocument>();
    expect(failure.error.code).toBe('DATABASE_UNAVAILABLE');
    expect(failure.error.message).toMatch(/pool_size of at least database\.poolSize/);
    expect(failure.error.message).toMatch(/nothing was changed/i);
    expect(await tablesIn(db, 'starved')).toEqual([]);
  });

  it('two concurrent runs: one waits for the other; no duplicate rows; both recorded', async () => {
    const slow = env(pooled, 'together', {
      SEED_SEEDERS_DIR: seedersDir('slow-seeder.ts'),
      SLOW_SEEDER_SECONDS: '2',
    });
    const a = startCli(['run', '--json', '--no-backup'], { env: slow, timeoutMs: 60_000 });
    const b = startCli(['run', '--json', '--no-backup'], { env: slow, timeoutMs: 60_000 });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    // Had both held the lock at once, both would have found empty tables and created 33 rows
    // (or one would have failed on a unique key).
    const totals = [ra.json<RunDocument>(), rb.json<RunDocument>()]
      .map((r) => r.results.total.created)
      .sort();
    expect(totals).toEqual([0, 33]);
    expect(await rowCounts(db, 'together')).toEqual(SEEDED);
    const history = await runCli(['history', '--json'], { env: env(pooled, 'together') });
    expect(history.json<HistoryDocument>().items.map((item) => item.status)).toEqual([
      'completed',
      'completed',
    ]);
  });
});

describe.skipIf(!available)('PgBouncer in transaction mode', () => {
  let single: string;
  let several: string;

  beforeAll(async () => {
    single = (await bouncer(pgAdminUrl(), { poolMode: 'transaction', poolSize: 1 })).url(db.url);
    several = (await bouncer(pgAdminUrl(), { poolMode: 'transaction', poolSize: 5 })).url(db.url);
  });

  it.each([
    ['run', ['run']],
    ['migrate', ['migrate']],
    ['backup', ['backup']],
    ['restore', ['restore', '--yes']],
    ['reset', ['reset', '--yes']],
    ['serve', ['serve', '--port', '0']],
  ])(
    '%s refuses up front (default_pool_size 1 and 5): exit 2, the database untouched',
    async (name, args) => {
      for (const [size, url] of [
        ['1', single],
        ['5', several],
      ] as const) {
        const schema = `refused_${name}_${size}`;
        const backups = tempDir('foodfleet-pgbouncer-backups-');
        const result = await runCli([...args, '--json'], {
          env: env(url, schema, { SEED_BACKUP_DIR: backups }),
        });
        expectRefused(result);
        // Not even the tracking table: the refusal comes before any migration or execution row.
        expect(await tablesIn(db, schema)).toEqual([]);
        expect(await rowCounts(db, schema)).toEqual(ABSENT);
      }
    },
  );

  it('the documented fix: a session-mode [databases] entry beside the transaction pool runs normally', async () => {
    const mixed = await bouncer(pgAdminUrl(), {
      poolMode: 'transaction',
      poolSize: 5,
      sessionAliases: { foodfleet_seed: db.name },
    });
    const viaTransactionPool = await runCli(['run', '--json'], { env: env(mixed.url(db.url), 'mixed') });
    expectRefused(viaTransactionPool);
    const sessionUrl = new URL(mixed.url(db.url));
    sessionUrl.pathname = '/foodfleet_seed';
    const viaSessionEntry = await runCli(['run', '--json', '--no-backup'], {
      env: env(sessionUrl.toString(), 'mixed'),
    });
    expect(viaSessionEntry.code, viaSessionEntry.stderr).toBe(0);
    expect(await rowCounts(db, 'mixed')).toEqual(SEEDED);
  });

  it('two concurrent runs with default_pool_size=1: neither proceeds, the database is untouched', async () => {
    const slow = env(single, 'concurrent_refused', {
      SEED_SEEDERS_DIR: seedersDir('slow-seeder.ts'),
      SLOW_SEEDER_SECONDS: '2',
    });
    const a = startCli(['run', '--json', '--no-backup'], { env: slow, timeoutMs: 60_000 });
    const b = startCli(['run', '--json', '--no-backup'], { env: slow, timeoutMs: 60_000 });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expectRefused(ra);
    expectRefused(rb);
    expect(await tablesIn(db, 'concurrent_refused')).toEqual([]);
  });
});

/**
 * The run lock on its own, without the probe that refuses transaction pooling first: the case of
 * a busy pool that hands out sessions so the probe passes by chance.
 */
describe.skipIf(!available)('the run lock behind a transaction-mode PgBouncer (default_pool_size=1)', () => {
  const schema = 'lock_scheme';
  let pools: pg.Pool[];

  beforeAll(async () => {
    const url = (await bouncer(pgAdminUrl(), { poolMode: 'transaction', poolSize: 1 })).url(db.url);
    pools = [0, 1, 2].map(() => {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pool.on('error', () => undefined);
      return pool;
    });
  });

  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
  });

  const holders = () =>
    db.query<{ pid: number }>(
      `select pid from pg_locks where locktype = 'advisory' and granted and classid = $1 and objid = hashtext($2)::oid`,
      [0x5eed, schema],
    );

  async function codeOf(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
      return 'no error';
    } catch (error) {
      return error instanceof SeedError ? error.code : `untyped: ${(error as Error).message}`;
    }
  }

  it('a second client reaching the holder’s shared session is refused, never re-enters the lock', async () => {
    const [first, second] = pools as [pg.Pool, pg.Pool, pg.Pool];
    const held = (await acquireRunLock(first, schema, 1_000)) as HeldRunLock;
    expect(held).not.toBeNull();
    // The one server session carries the lock; the second client lands on it.
    expect(await codeOf(acquireRunLock(second, schema, 1_000))).toBe('POOLER_UNSUPPORTED');
    expect(await holders()).toHaveLength(1);
    await held.verify();
    await held.release();
    expect(await holders()).toEqual([]);
  });

  it('a pooler reset of the holder’s session (server_reset_query) is noticed, not silent', async () => {
    const [first, , third] = pools as [pg.Pool, pg.Pool, pg.Pool];
    const held = (await acquireRunLock(first, schema, 1_000)) as HeldRunLock;
    // What PgBouncer's server_reset_query (DISCARD ALL) does to the shared server session.
    await third.query('discard all');
    expect(await holders()).toEqual([]);
    expect(await codeOf(held.verify())).toBe('LOCK_LOST');
    const commitCheck = held.assertHeldBeforeCommit((text, params) =>
      db.query(text, params).then((rows) => ({ rows })),
    );
    expect(await codeOf(commitCheck)).toBe('LOCK_LOST');
    await held.release();
  });
});
