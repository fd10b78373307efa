import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedersDir } from './support/seeders-dir.js';
import { freshDatabase, type CliProcess, type FreshDatabase } from './support/index.js';
import {
  clearThrottle,
  curl,
  DEFAULT_PASSWORD,
  seedWithCli,
  startServe,
  SUPERADMIN_EMAIL,
  TOKEN_SECRET,
} from './server-harness.js';

/**
 * docs/scaling.md's promise: two `foodfleet-seed serve` processes on one database behave as one
 * service behind a load balancer — one failure budget, one run lock, one token revocation.
 */
let db: FreshDatabase;
let a: { url: string; cli: CliProcess };
let b: { url: string; cli: CliProcess };

beforeAll(async () => {
  db = await freshDatabase('server-replicas');
  await seedWithCli(db);
  await db.query('create table slow_marks (id serial primary key, name text not null)');
  const env = {
    DATABASE_URL: db.url,
    SEED_TOKEN_SECRET: TOKEN_SECRET,
    SEED_SEEDERS_DIR: seedersDir('slow-seeder.ts'),
    SLOW_SEEDER_SECONDS: '3',
  };
  [a, b] = await Promise.all([startServe(env), startServe(env)]);
});

afterAll(async () => {
  await Promise.all([a?.cli.kill('SIGTERM'), b?.cli.kill('SIGTERM')]);
  await db?.close();
});

const login = (url: string, password: string) =>
  curl('POST', `${url}/api/v1/auth/login`, {
    data: JSON.stringify({ email: SUPERADMIN_EMAIL, password }),
  });

describe('two serve replicas on one database', () => {
  it('share the failure budget: 5 failures split across both → the 6th on either is 429', async () => {
    await clearThrottle(db);
    const failures = [
      await login(a.url, 'Wrong-1!'),
      await login(b.url, 'Wrong-2!'),
      await login(a.url, 'Wrong-3!'),
      await login(b.url, 'Wrong-4!'),
      await login(a.url, 'Wrong-5!'),
    ];
    expect(failures.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    const onA = await login(a.url, DEFAULT_PASSWORD);
    const onB = await login(b.url, DEFAULT_PASSWORD);
    expect([onA.status, onB.status]).toEqual([429, 429]);
    expect(Number(onB.headers.get('retry-after'))).toBeGreaterThan(0);
    await clearThrottle(db);
  });

  it('share the run lock: a run started on one gives 409 on the other', async () => {
    const token = (await login(a.url, DEFAULT_PASSWORD)).body.access_token as string;
    const headers = [`Authorization: Bearer ${token}`];
    const running = curl('POST', `${a.url}/api/v1/seeders/execute`, {
      headers,
      data: '{"create_backup": false}',
    });
    await a.cli.waitForLine('stderr', /→ SlowSeeder/);
    // The token from replica A works on B: one SEED_TOKEN_SECRET.
    const second = await curl('POST', `${b.url}/api/v1/seeders/execute`, {
      headers,
      data: '{"create_backup": false}',
    });
    expect(second.status, second.text).toBe(409);
    expect(second.body.detail).toMatch(/Another run holds the lock/);
    expect((await running).status).toBe(200);
  });

  it('share revocation: a password change on one ends the tokens issued by the other', async () => {
    const fromB = (await login(b.url, DEFAULT_PASSWORD)).body.access_token as string;
    const fromA = (await login(a.url, DEFAULT_PASSWORD)).body.access_token as string;
    expect(
      (await curl('GET', `${b.url}/api/v1/seeders/`, { headers: [`Authorization: Bearer ${fromB}`] })).status,
    ).toBe(200);
    const changed = await curl('POST', `${a.url}/api/v1/auth/password/change`, {
      headers: [`Authorization: Bearer ${fromA}`],
      data: JSON.stringify({ current_password: DEFAULT_PASSWORD, new_password: 'Replica-Password-7!' }),
    });
    expect(changed.status, changed.text).toBe(200);
    const afterwards = await curl('GET', `${b.url}/api/v1/seeders/`, {
      headers: [`Authorization: Bearer ${fromB}`],
    });
    expect(afterwards.status).toBe(401);
    expect(afterwards.body.detail).toMatch(/issued before the password was changed/);
    expect((await login(b.url, 'Replica-Password-7!')).status).toBe(200);
  });
});
