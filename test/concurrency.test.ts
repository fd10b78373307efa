import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freshDatabase,
  runCli,
  startCli,
  tempDir,
  type CliProcess,
  type FreshDatabase,
} from './support/index.js';
import type {
  ExecutionDocument,
  FailureDocument,
  HistoryDocument,
  RunDocument,
} from './support/documents.js';
import { pgEnv, rowCounts, SEEDED } from './support/seeded-rows.js';
import { seedersDir } from './support/seeders-dir.js';

/**
 * Runs never interleave (advisory lock on PostgreSQL, a lock file for the embedded data dir);
 * a killed run is marked interrupted by the next one; Ctrl-C / SIGTERM roll back and exit 130.
 */
let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase('concurrency');
});

afterAll(async () => {
  await db?.close();
});

const EMPTY = { permissions: 0, roles: 0, role_permissions: 0, users: 0, user_roles: 0, sms_templates: 0 };

/** A run whose SlowSeeder sleeps `seconds` after the built-ins (JavaScript sleep unless mode 'sql'). */
function slowEnv(seconds: number, extra: Record<string, string> = {}): Record<string, string> {
  return { SEED_SEEDERS_DIR: seedersDir('slow-seeder.ts'), SLOW_SEEDER_SECONDS: String(seconds), ...extra };
}

/** Waits until `cli` (started with --log-format json) reports SlowSeeder started; returns its execution id. */
async function slowSeederStarted(cli: CliProcess): Promise<number> {
  const line = await cli.waitForLine('stderr', /"event":"seeder_started".*"seeder":"SlowSeeder"/, 30_000);
  return (JSON.parse(line) as { execution_id: number }).execution_id;
}

async function executionStatus(schema: string, id: number): Promise<string | undefined> {
  const [row] = await db.query<{ status: string }>(
    `select status from ${schema}.seeder_executions where id = $1`,
    [id],
  );
  return row?.status;
}

describe('two runs on the same PostgreSQL database', () => {
  const schema = 'together';

  it('started together: both succeed, the second waits, no duplicate rows, both recorded', async () => {
    const env = pgEnv(db, schema, slowEnv(2));
    const a = startCli(['run', '--json'], { env, timeoutMs: 60_000 });
    const b = startCli(['run', '--json'], { env, timeoutMs: 60_000 });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const runs = [ra.json<RunDocument>(), rb.json<RunDocument>()].sort(
      (x, y) => y.results.total.created - x.results.total.created,
    );
    expect(runs.map((r) => r.results.total)).toEqual([
      { created: 33, updated: 0, deleted: 0 },
      { created: 0, updated: 0, deleted: 0 },
    ]);
    expect(await rowCounts(db, schema)).toEqual(SEEDED);

    const history = (await runCli(['history', '--json'], { env: pgEnv(db, schema) })).json<HistoryDocument>();
    expect(history.total).toBe(2);
    expect(history.items.map((item) => item.status)).toEqual(['completed', 'completed']);
    // The one that found nothing to do seeded after the other had committed: it finished at least
    // its own SlowSeeder's 2 s later.
    const [first, second] = runs.map((r) => history.items.find((item) => item.id === r.execution_id)!);
    expect(Date.parse(second!.finished_at!) - Date.parse(first!.finished_at!)).toBeGreaterThanOrEqual(1900);
  });

  it('--lock-timeout 1 while another run holds the lock: exit 3 naming that execution; it is unaffected', async () => {
    const env = pgEnv(db, schema, slowEnv(10));
    const holder = startCli(['run', '--json', '--log-format', 'json'], { env, timeoutMs: 60_000 });
    const holderId = await slowSeederStarted(holder);

    const started = Date.now();
    const waiter = await runCli(['run', '--json', '--lock-timeout', '1'], { env });
    const waited = Date.now() - started;
    expect(waiter.code, waiter.stderr).toBe(3);
    const failure = waiter.json<FailureDocument>();
    expect(failure.error.code).toBe('LOCKED');
    expect(failure.error.message).toContain(`#${holderId}`);
    expect(failure.error.message).toMatch(/nothing was changed/i);
    expect(failure.error.message).toContain('--lock-timeout');
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(waited).toBeLessThan(8000); // gave up long before the holder finished

    const text = await runCli(['run'], { env: { ...env, SEED_LOCK_TIMEOUT: '1' } });
    expect(text.code).toBe(3);
    expect(text.stderr).toContain(`#${holderId}`);

    const done = await holder.done;
    expect(done.code, done.stderr).toBe(0);
    expect(await executionStatus(schema, holderId)).toBe('completed');
    // The refused runs are recorded as failed.
    const refused = (
      await runCli(['show', String(failure.execution_id), '--json'], { env: pgEnv(db, schema) })
    ).json<ExecutionDocument>();
    expect(refused.status).toBe('failed');
    expect(refused.error?.message).toContain(`#${holderId}`);
  });

  it('--lock-timeout 1 while a session outside the tool holds the advisory lock: exit 3', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('select pg_advisory_lock($1, hashtext($2))', [0x5eed, schema]);
      const result = await runCli(['run', '--json', '--lock-timeout', '1'], { env: pgEnv(db, schema) });
      expect(result.code, result.stderr).toBe(3);
      expect(result.json<FailureDocument>().error.message).toMatch(/lock/i);
      // Another schema is another lock.
      const other = await runCli(['run', '--json', '--lock-timeout', '1', '--only', 'PermissionsSeeder'], {
        env: pgEnv(db, 'together_other'),
      });
      expect(other.code, other.stderr).toBe(0);
      // migrate takes the same lock, and gives up as promptly (no idle connection keeps the process alive).
      const migrateStarted = Date.now();
      const migrate = await runCli(['migrate', '--lock-timeout', '1'], { env: pgEnv(db, schema) });
      expect(migrate.code).toBe(3);
      expect(migrate.stderr).toMatch(/lock/i);
      expect(Date.now() - migrateStarted).toBeLessThan(5000);
    } finally {
      await client.end();
    }
    const after = await runCli(['run', '--json', '--lock-timeout', '1'], { env: pgEnv(db, schema) });
    expect(after.code, after.stderr).toBe(0);
  });
});

describe('the lock comes first', () => {
  it('a run refused by the lock has not migrated the FoodFleet tables (only its own record exists)', async () => {
    const schema = 'lock_first';
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('select pg_advisory_lock($1, hashtext($2))', [0x5eed, schema]);
      const result = await runCli(['run', '--json', '--lock-timeout', '1'], { env: pgEnv(db, schema) });
      expect(result.code, result.stderr).toBe(3);
    } finally {
      await client.end();
    }
    expect(await rowCounts(db, schema)).toEqual({
      permissions: null,
      roles: null,
      role_permissions: null,
      users: null,
      user_roles: null,
      sms_templates: null,
    });
    const [execution] = await db.query<{ status: string }>(`select status from ${schema}.seeder_executions`);
    expect(execution?.status).toBe('failed');
  });
});

describe('Ctrl-C while waiting for the lock', () => {
  const schema = 'waiting';

  it('stops waiting at once: exit 130, recorded failed, the holder unaffected', async () => {
    const env = pgEnv(db, schema, slowEnv(15));
    const holder = startCli(['run', '--json', '--log-format', 'json'], { env, timeoutMs: 60_000 });
    const holderId = await slowSeederStarted(holder);
    const waiter = startCli(['run', '--json'], { env, timeoutMs: 60_000 });
    // The waiter has recorded its execution (pending) and is waiting for the lock.
    for (let i = 0; ; i += 1) {
      const rows = await db.query(`select id from ${schema}.seeder_executions where status = 'pending'`);
      if (rows.length === 1) break;
      if (i > 100) throw new Error('the second run never started waiting');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const interrupted = Date.now();
    const result = await waiter.kill('SIGINT');
    expect(Date.now() - interrupted).toBeLessThan(5000); // not after the holder's remaining ~15 s
    expect(result.code, result.stderr).toBe(130);
    const failure = result.json<FailureDocument>();
    expect(failure.error.code).toBe('CANCELLED');
    expect(failure.execution_id).toBeDefined();
    expect(await executionStatus(schema, failure.execution_id!)).toBe('failed');
    expect(holder.child.exitCode).toBeNull();
    const done = await holder.done;
    expect(done.code, done.stderr).toBe(0);
    expect(await executionStatus(schema, holderId)).toBe('completed');
  }, 90_000);
});

describe('a run killed mid-way (SIGKILL)', () => {
  const schema = 'killed';

  it('is marked failed "interrupted" by the next run, and its writes are gone', async () => {
    await db.query(`create schema ${schema}`);
    await db.query(`create table ${schema}.slow_marks (id serial primary key, name text not null)`);
    const env = pgEnv(db, schema, slowEnv(60, { SLOW_SEEDER_TABLE: '1' }));
    const victim = startCli(['run', '--log-format', 'json'], { env, timeoutMs: 90_000 });
    const victimId = await slowSeederStarted(victim);
    expect(await executionStatus(schema, victimId)).toBe('running');
    const killed = await victim.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    expect(await executionStatus(schema, victimId)).toBe('running'); // nobody has judged it yet

    const next = await runCli(['run', '--json', '--lock-timeout', '10'], { env: pgEnv(db, schema) });
    expect(next.code, next.stderr).toBe(0);
    expect(next.json<RunDocument>().results.total).toEqual({ created: 33, updated: 0, deleted: 0 });

    const shown = (
      await runCli(['show', String(victimId), '--json'], { env: pgEnv(db, schema) })
    ).json<ExecutionDocument>();
    expect(shown.status).toBe('failed');
    expect(shown.error?.message).toMatch(/interrupted/);
    expect(shown.finished_at).not.toBeNull();
    expect(await db.query(`select * from ${schema}.slow_marks`)).toEqual([]);
  });
});

describe('Ctrl-C / SIGTERM during a run', () => {
  it('SIGINT while PostgreSQL runs a long statement: cancelled, rolled back, recorded, exit 130', async () => {
    const schema = 'sigint';
    await db.query(`create schema ${schema}`);
    await db.query(`create table ${schema}.slow_marks (id serial primary key, name text not null)`);
    const env = pgEnv(db, schema, slowEnv(60, { SLOW_SEEDER_MODE: 'sql', SLOW_SEEDER_TABLE: '1' }));
    const cli = startCli(['run', '--json', '--log-format', 'json'], { env, timeoutMs: 90_000 });
    const id = await slowSeederStarted(cli);
    const started = Date.now();
    const result = await cli.kill('SIGINT');
    expect(Date.now() - started).toBeLessThan(10_000); // the statement was cancelled, not waited out
    expect(result.code, result.stderr).toBe(130);
    const failure = result.json<FailureDocument>();
    expect(failure).toMatchObject({ success: false, error: { code: 'CANCELLED' }, execution_id: id });
    expect(failure.error.message).toMatch(/cancel/i);
    expect(failure.error.message).toMatch(/rolled back/i);

    expect(await rowCounts(db, schema)).toEqual(EMPTY);
    expect(await db.query(`select * from ${schema}.slow_marks`)).toEqual([]);
    const shown = (
      await runCli(['show', String(id), '--json'], { env: pgEnv(db, schema) })
    ).json<ExecutionDocument>();
    expect(shown.status).toBe('failed');
    expect(shown.error?.message).toMatch(/cancelled/i);
    // The lock was released.
    const next = await runCli(['run', '--json', '--lock-timeout', '1'], { env: pgEnv(db, schema) });
    expect(next.code, next.stderr).toBe(0);
  });

  it('SIGINT between two statements of a seeder: the next statement is cancelled as it starts', async () => {
    const schema = 'sigint_gap';
    await db.query(`create schema ${schema}`);
    await db.query(`create table ${schema}.slow_marks (id serial primary key, name text not null)`);
    const env = pgEnv(
      db,
      schema,
      slowEnv(60, { SLOW_SEEDER_MODE: 'sql', SLOW_SEEDER_TABLE: '1', SLOW_SEEDER_GAP_MS: '1500' }),
    );
    const cli = startCli(['run', '--json', '--log-format', 'json'], { env, timeoutMs: 90_000 });
    const id = await slowSeederStarted(cli);
    const started = Date.now();
    const result = await cli.kill('SIGINT');
    expect(Date.now() - started).toBeLessThan(10_000); // not the 60 s of the statement sent after the signal
    expect(result.code, result.stderr).toBe(130);
    expect(result.json<FailureDocument>()).toMatchObject({ error: { code: 'CANCELLED' }, execution_id: id });
    expect(await rowCounts(db, schema)).toEqual(EMPTY);
    expect(await db.query(`select * from ${schema}.slow_marks`)).toEqual([]);
    expect(await executionStatus(schema, id)).toBe('failed');
  }, 90_000);

  it('SIGTERM: same outcome, reported as an error event', async () => {
    const schema = 'sigterm';
    const env = pgEnv(db, schema, slowEnv(60));
    const cli = startCli(['run', '--log-format', 'json'], { env, timeoutMs: 90_000 });
    const id = await slowSeederStarted(cli);
    const result = await cli.kill('SIGTERM');
    expect(result.code, result.stderr).toBe(130);
    const events = result.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.find((e) => e.event === 'error')).toMatchObject({ code: 'CANCELLED', execution_id: id });
    expect(await rowCounts(db, schema)).toEqual(EMPTY);
    expect(await executionStatus(schema, id)).toBe('failed');
    const [row] = await db.query<{ error_message: string }>(
      `select error_message from ${schema}.seeder_executions where id = $1`,
      [id],
    );
    expect(row?.error_message).toMatch(/cancelled/i);
  });
});

describe('two processes on the same embedded data directory', () => {
  it('the second waits (or, with a short --lock-timeout, fails clearly with exit 3); nothing is corrupted', async () => {
    const cwd = tempDir();
    const env = slowEnv(5);
    const holder = startCli(['run', '--json', '--log-format', 'json'], { cwd, env, timeoutMs: 120_000 });
    await slowSeederStarted(holder);

    const patient = startCli(['run', '--json'], {
      cwd,
      env: { SEED_SEEDERS_DIR: env.SEED_SEEDERS_DIR },
      timeoutMs: 120_000,
    });
    const impatient = await runCli(['run', '--json', '--lock-timeout', '1'], {
      cwd,
      env: { SEED_SEEDERS_DIR: env.SEED_SEEDERS_DIR },
    });
    expect(impatient.code, impatient.stderr).toBe(3);
    const failure = impatient.json<FailureDocument>();
    expect(failure.error.code).toBe('LOCKED');
    expect(failure.error.message).toMatch(/embedded database/);
    expect(failure.error.message).toMatch(/nothing was changed/i);

    const [first, second] = await Promise.all([holder.done, patient.done]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(first.json<RunDocument>().results.total).toEqual({ created: 33, updated: 0, deleted: 0 });
    expect(second.json<RunDocument>().results.total).toEqual({ created: 0, updated: 0, deleted: 0 });

    // The data directory still opens and holds exactly one copy of everything.
    const history = await runCli(['history', '--json'], { cwd });
    expect(history.code, history.stderr).toBe(0);
    expect(history.json<HistoryDocument>().items.map((item) => item.status)).toEqual([
      'completed',
      'completed',
    ]);
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = await PGlite.create(`${cwd}/.foodfleet-seed/db`);
    try {
      const counts: Record<string, number> = {};
      for (const table of Object.keys(SEEDED)) {
        const result = await pglite.query<{ n: number }>(`select count(*)::int as n from ${table}`);
        counts[table] = result.rows[0]!.n;
      }
      expect(counts).toEqual(SEEDED);
    } finally {
      await pglite.close();
    }
  }, 180_000);
});
