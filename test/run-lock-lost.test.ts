import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailureDocument } from './support/documents.js';
import { freshDatabase, startCli, type FreshDatabase } from './support/index.js';
import { pgEnv, rowCounts } from './support/seeded-rows.js';
import { seedersDir } from './support/seeders-dir.js';

/**
 * The run lock lost in the middle of a run (its session ended: a failover, a pooler or an
 * operator's pg_terminate_backend) is never silent: the seeding transaction checks the lock as
 * its last statement and rolls back instead of committing next to a run that may have started.
 */
let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase('lock_lost');
});

afterAll(async () => {
  await db?.close();
});

describe('the run lock’s session ends during a run', () => {
  const schema = 'lock_lost';

  it('the run stops before COMMIT: LOCK_LOST, exit 1, nothing seeded, the execution recorded failed', async () => {
    const env = pgEnv(db, schema, {
      SEED_SEEDERS_DIR: seedersDir('slow-seeder.ts'),
      SLOW_SEEDER_SECONDS: '3',
    });
    const run = startCli(['run', '--json', '--no-backup', '--log-format', 'json'], {
      env,
      timeoutMs: 60_000,
    });
    await run.waitForLine('stderr', /"event":"seeder_started".*"seeder":"SlowSeeder"/, 30_000);
    const ended = await db.query<{ ended: boolean }>(
      `select pg_terminate_backend(pid) as ended from pg_locks
        where locktype = 'advisory' and granted and classid = $1 and objid = hashtext($2)::oid`,
      [0x5eed, schema],
    );
    expect(ended).toEqual([{ ended: true }]);

    const result = await run.done;
    expect(result.code, result.stderr).toBe(1);
    const failure = result.json<FailureDocument>();
    expect(failure.error.code).toBe('LOCK_LOST');
    expect(failure.error.message).toMatch(/run lock was lost/);
    expect(failure.error.message).not.toMatch(/\n/);
    expect(await rowCounts(db, schema)).toEqual({
      permissions: 0,
      roles: 0,
      role_permissions: 0,
      users: 0,
      user_roles: 0,
      sms_templates: 0,
    });
    const [execution] = await db.query<{ status: string }>(
      `select status from ${schema}.seeder_executions where id = $1`,
      [failure.execution_id],
    );
    expect(execution?.status).toBe('failed');
  });
});
