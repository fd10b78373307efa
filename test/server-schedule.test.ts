import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, runCli, tempDir, type FreshDatabase } from './support/index.js';
import { curl, seedWithCli, startServe, TOKEN_SECRET } from './server-harness.js';

/**
 * `server.backupSchedule`: `serve` takes backups on a cron schedule. Two replicas on one
 * database share it: each tick is taken by exactly one of them, then the retention prunes.
 */
let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase('server-schedule');
  await seedWithCli(db);
});

afterAll(async () => {
  await db?.close();
});

const EVERY_SECOND = '*/1 * * * * *';

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const claimedTicks = async () =>
  db.query<{ tick: Date; claimed_by: string }>(
    'select tick, claimed_by from foodfleet_seed_backup_schedule_ticks order by tick',
  );

describe('two serve replicas on one schedule', () => {
  it('take exactly one backup per tick, recorded as source schedule, then prune to the retention', async () => {
    const backupDir = tempDir('foodfleet-schedule-backups-');
    const cwd = tempDir('foodfleet-schedule-cwd-');
    writeFileSync(
      path.join(cwd, 'seedrc.json'),
      JSON.stringify({ server: { backupRetention: { keep: 3 } } }),
    );
    const env = {
      DATABASE_URL: db.url,
      SEED_TOKEN_SECRET: TOKEN_SECRET,
      SEED_BACKUP_DIR: backupDir,
      SEED_BACKUP_SCHEDULE: EVERY_SECOND,
    };
    const [a, b] = await Promise.all([startServe(env, [], cwd), startServe(env, [], cwd)]);
    try {
      await waitFor(async () => (await claimedTicks()).length >= 5, 'five claimed ticks');
      // Serving goes on meanwhile.
      expect((await curl('GET', `${a.url}/health`)).status).toBe(200);
    } finally {
      await Promise.all([a.cli.kill('SIGTERM'), b.cli.kill('SIGTERM')]);
    }
    const ticks = await claimedTicks();
    const backups = await db.query<{ options: { tick: string }; status: string; triggered_by: string }>(
      "select options, status, triggered_by from seeder_executions where command = 'backup' and source = 'schedule'",
    );
    expect(backups.length).toBe(ticks.length);
    const perTick = new Map<string, number>();
    for (const backup of backups)
      perTick.set(backup.options.tick, (perTick.get(backup.options.tick) ?? 0) + 1);
    expect([...perTick.keys()].sort()).toEqual(ticks.map((t) => new Date(t.tick).toISOString()).sort());
    expect([...perTick.values()].every((n) => n === 1)).toBe(true);
    expect(
      backups.every((backup) => backup.status === 'completed' && backup.triggered_by === 'schedule'),
    ).toBe(true);
    // Each tick is one whole second, as the schedule says.
    expect(ticks.every((t) => new Date(t.tick).getMilliseconds() === 0)).toBe(true);

    // Retention: every backup was followed by a prune keeping the newest 3.
    const prunes = await db.query<{ status: string }>(
      "select status from seeder_executions where command = 'prune' and source = 'schedule'",
    );
    expect(prunes.length).toBeGreaterThanOrEqual(backups.length);
    expect(prunes.every((prune) => prune.status === 'completed')).toBe(true);
    const listed = await runCli(['backups', '--json'], {
      env: { DATABASE_URL: db.url, SEED_BACKUP_DIR: backupDir },
    });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json<{ total: number }>().total).toBe(3);
  });

  it('a scheduled backup that fails is recorded failed and the server keeps serving', async () => {
    const blocked = path.join(tempDir('foodfleet-schedule-blocked-'), 'a-file');
    writeFileSync(blocked, 'not a folder');
    const before = (await claimedTicks()).length;
    const serve = await startServe({
      DATABASE_URL: db.url,
      SEED_TOKEN_SECRET: TOKEN_SECRET,
      SEED_BACKUP_DIR: blocked,
      SEED_BACKUP_SCHEDULE: EVERY_SECOND,
    });
    try {
      await serve.cli.waitForLine('stderr', /scheduled backup of .* failed/);
      expect((await claimedTicks()).length).toBeGreaterThan(before);
      expect((await curl('GET', `${serve.url}/health`)).status).toBe(200);
    } finally {
      await serve.cli.kill('SIGTERM');
    }
    const failed = await db.query<{ status: string; backup_status: string }>(
      "select status, backup_status from seeder_executions where command = 'backup' and source = 'schedule' and status = 'failed'",
    );
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((row) => row.backup_status === 'failed')).toBe(true);
  });
});

describe('a bad schedule is a configuration error', () => {
  for (const [what, env, key] of [
    ['an invalid expression', { SEED_BACKUP_SCHEDULE: '61 * * * *' }, 'server.backupSchedule'],
    ['seven fields', { SEED_BACKUP_SCHEDULE: '0 0 0 * * * 2030' }, 'server.backupSchedule'],
  ] as const) {
    it(`${what}: serve refuses to start (exit 2) naming the key`, async () => {
      const result = await runCli(['serve', '--port', '0'], {
        env: { DATABASE_URL: db.url, SEED_TOKEN_SECRET: TOKEN_SECRET, ...env },
      });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(key);
      expect(result.stderr).not.toMatch(/Listening on/);
    });
  }

  it('an invalid retention age: exit 2 naming server.backupRetention.olderThan', async () => {
    const cwd = tempDir('foodfleet-schedule-bad-retention-');
    writeFileSync(
      path.join(cwd, 'seedrc.json'),
      JSON.stringify({ server: { backupRetention: { olderThan: '30 days' } } }),
    );
    const result = await runCli(['serve', '--port', '0'], {
      env: { DATABASE_URL: db.url, SEED_TOKEN_SECRET: TOKEN_SECRET },
      cwd,
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('server.backupRetention.olderThan');
  });
});
