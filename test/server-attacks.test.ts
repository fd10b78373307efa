import { mkdirSync } from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { freshDatabase, tempDir, type FreshDatabase } from './support/index.js';
import {
  clearThrottle,
  createUser,
  DEFAULT_PASSWORD,
  GENEROUS_THROTTLE,
  seedWithCli,
  startApi,
  SUPERADMIN_EMAIL,
  TOKEN_SECRET,
  type ApiHarness,
  type ApiResponse,
} from './server-harness.js';

/**
 * `serve` tried as an attacker would (issue 11's probes), each over real HTTP against real
 * PostgreSQL: bursts against the failure budget, bursts against bcrypt, timing, forged log lines,
 * NUL bytes, over-long passwords, forged token subjects, and a restore failing on a CHECK.
 */
let db: FreshDatabase;

const LOGIN = '/api/v1/auth/login';
/** Generous budgets, but the default two checks in flight per address. */
const GENEROUS_THROTTLE_TWO_CHECKS = { ...GENEROUS_THROTTLE, maxChecksPerAddress: 2 };
const count = (responses: ApiResponse[], status: number) =>
  responses.filter((r) => r.status === status).length;

beforeAll(async () => {
  db = await freshDatabase('server-attacks');
  await seedWithCli(db);
});

afterAll(async () => {
  await db?.close();
});

/** A harness for one test, on a throttle with no counted failures. */
async function withApi(
  options: Omit<Parameters<typeof startApi>[0], 'db'>,
  body: (api: ApiHarness) => Promise<void>,
): Promise<void> {
  await clearThrottle(db);
  const api = await startApi({ db, ...options });
  try {
    await body(api);
  } finally {
    await api.close();
  }
}

// First in the file, while the seeded super-admin (cost 12) is the only user: the unknown emails
// of a burst cost a full bcrypt each, as they do in production.
describe('bursts against bcrypt', () => {
  it('a client gets at most 2 password checks at a time: beyond, 429 with Retry-After: 1', async () => {
    await withApi({ settings: { throttle: GENEROUS_THROTTLE_TWO_CHECKS } }, async (api) => {
      const burst = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          api.request('POST', LOGIN, { body: { email: `burst-${i}@nowhere.test`, password: 'x' } }),
        ),
      );
      const refused = burst.filter((r) => r.status === 429);
      expect(refused.length).toBeGreaterThanOrEqual(8 - 2); // at most 2 in flight (a few may finish early)
      for (const r of refused) {
        expect(r.headers.get('retry-after')).toBe('1');
        expect(r.body.detail).toMatch(/password checks in progress/);
      }
    });
  });

  it('while three other addresses send 100 logins each, a correct login from a quiet address gets 200', async () => {
    await withApi({ settings: { trustProxy: 1 } }, async (api) => {
      const bursts = ['198.51.100.1', '198.51.100.2', '198.51.100.3'].flatMap((address) =>
        Array.from({ length: 100 }, (_, i) =>
          api.request('POST', LOGIN, {
            body: { email: `bogus-${i}@nowhere.test`, password: 'x' },
            headers: { 'x-forwarded-for': address },
          }),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 150));
      const quiet = await api.request('POST', LOGIN, {
        body: { email: SUPERADMIN_EMAIL, password: DEFAULT_PASSWORD },
        headers: { 'x-forwarded-for': '203.0.113.77' },
      });
      expect(quiet.status, quiet.text).toBe(200);
      const settled = await Promise.all(bursts);
      expect(settled.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    });
  });
});

describe('bursts against the failure budget', () => {
  it('the counters table stays bounded: expired rows are purged, and past maxEntries the nearest to expiry go', async () => {
    await withApi(
      { settings: { bcryptCost: 4, trustProxy: 1, throttle: { ...GENEROUS_THROTTLE, maxEntries: 100 } } },
      async (api) => {
        const rows = async () =>
          Number(
            (await db.query<{ n: string }>('select count(*) as n from foodfleet_seed_login_throttle'))[0]?.n,
          );
        const spray = (i: number) =>
          api.request('POST', LOGIN, {
            body: { email: `spray-${i}@nowhere.test`, password: 'x' },
            headers: { 'x-forwarded-for': `192.0.2.${i}` },
          });
        for (let i = 0; i < 60; i++) expect((await spray(i)).status).toBe(401);
        expect(await rows()).toBeGreaterThan(100); // 180: pair, address and account for each
        api.advanceClock(11); // the purge runs at most every 10 s per process
        await spray(200);
        expect(await rows()).toBeLessThanOrEqual(100 + 3);
        api.advanceClock(901); // every window has passed
        await spray(201);
        expect(await rows()).toBe(3);
      },
    );
  });

  it('30 concurrent wrong logins for one account: at most 5 are checked (401), the rest get 429', async () => {
    await withApi({}, async (api) => {
      const burst = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          api.request('POST', LOGIN, { body: { email: SUPERADMIN_EMAIL, password: `Wrong-${i}!` } }),
        ),
      );
      expect(count(burst, 401)).toBeGreaterThan(0);
      expect(count(burst, 401)).toBeLessThanOrEqual(5);
      expect(count(burst, 429)).toBe(30 - count(burst, 401));
    });
  });

  it('the budget alone holds too (password checks in flight unlimited): 30 at once → at most 5 checked; then even the right password waits', async () => {
    await withApi({ settings: { bcryptCost: 4, throttle: { maxChecksPerAddress: 100 } } }, async (api) => {
      const burst = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          api.request('POST', LOGIN, {
            body: { email: SUPERADMIN_EMAIL, password: `Wrong-${i}!` },
          }),
        ),
      );
      expect(count(burst, 401)).toBe(5);
      expect(count(burst, 429)).toBe(25);
      const right = await api.request('POST', LOGIN, {
        body: { email: SUPERADMIN_EMAIL, password: DEFAULT_PASSWORD },
      });
      expect(right.status).toBe(429);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(800);
    });
  });

  it('20 concurrent wrong password changes: at most 5 get 400, the rest 429; the password is unchanged', async () => {
    const email = 'changer@attacks.test';
    const password = 'Changer-Password-1!';
    await createUser(db, { email, password, roles: ['customer'], cost: 4 });
    await withApi({ settings: { bcryptCost: 4, throttle: { maxChecksPerAddress: 100 } } }, async (api) => {
      const token = await api.login(email, password);
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api.request('POST', '/api/v1/auth/password/change', {
            token,
            body: { current_password: `Wrong-Current-${i}!`, new_password: 'Brand-New-Password-9!' },
          }),
        ),
      );
      expect(count(burst, 400)).toBeGreaterThan(0);
      expect(count(burst, 400)).toBeLessThanOrEqual(5);
      expect(count(burst, 429)).toBe(20 - count(burst, 400));
      await clearThrottle(db);
      expect((await api.request('POST', LOGIN, { body: { email, password } })).status).toBe(200);
    });
  });
});

describe('no timing oracle', () => {
  it('unknown email vs wrong super-admin password: medians within 25 % (other users at a lower cost)', async () => {
    // Most stored hashes at cost 10: the dummy hash used to follow them, answering unknown emails ~4× faster.
    for (const name of ['cheap-1', 'cheap-2', 'cheap-3'])
      await createUser(db, {
        email: `${name}@attacks.test`,
        password: 'Cheap-Password-1!',
        roles: [],
        cost: 10,
      });
    await withApi({ settings: { throttle: GENEROUS_THROTTLE } }, async (api) => {
      const attempt = async (email: string) => {
        const started = performance.now();
        const response = await api.request('POST', LOGIN, { body: { email, password: 'Wrong-Password-1!' } });
        expect(response.status).toBe(401);
        return performance.now() - started;
      };
      await attempt('warm-up@nowhere.test'); // makes the dummy hash once
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 20; i++) {
        known.push(await attempt(SUPERADMIN_EMAIL));
        unknown.push(await attempt(`nobody-${i}@nowhere.test`));
      }
      const median = (xs: number[]) => {
        const sorted = [...xs].sort((a, b) => a - b);
        return ((sorted[9] as number) + (sorted[10] as number)) / 2;
      };
      const ratio = median(unknown) / median(known);
      expect(ratio, `unknown ${median(unknown)} ms vs known ${median(known)} ms`).toBeGreaterThan(0.75);
      expect(ratio, `unknown ${median(unknown)} ms vs known ${median(known)} ms`).toBeLessThan(1.25);
    });
  });

  it('a correct login with a hash of lower cost rehashes it up to server.bcryptCost; the token stays valid', async () => {
    const email = 'lowcost@attacks.test';
    const password = 'Low-Cost-Password-1!';
    await createUser(db, { email, password, roles: ['admin'], cost: 4 });
    await withApi({ settings: { bcryptCost: 5 } }, async (api) => {
      const token = await api.login(email, password);
      const [row] = await db.query<{ password_hash: string }>(
        'select password_hash from users where email = $1',
        [email],
      );
      expect(row?.password_hash).toMatch(/^\$2[aby]\$05\$/);
      expect(await bcrypt.compare(password, row?.password_hash ?? '')).toBe(true);
      expect((await api.request('GET', '/api/v1/seeders/', { token })).status).toBe(200);
    });
    // Never downward: a server with a lower cost leaves the stronger hash alone.
    await withApi({ settings: { bcryptCost: 4 } }, async (api) => {
      await api.login(email, password);
      const [row] = await db.query<{ password_hash: string }>(
        'select password_hash from users where email = $1',
        [email],
      );
      expect(row?.password_hash).toMatch(/^\$2[aby]\$05\$/);
    });
  });
});

describe('inputs', () => {
  it('a NUL in the email: 400 naming the field (not 500), and it still counts against the budget', async () => {
    await withApi({ settings: { bcryptCost: 4 } }, async (api) => {
      const body = '{"email":"admin@foodfleet.com\\u0000","password":"x"}';
      const answers = [];
      for (let i = 0; i < 7; i++) answers.push(await api.request('POST', LOGIN, { body }));
      expect(answers.slice(0, 5).map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
      expect(answers[0]?.body.detail).toMatch(/body\.email: contains a NUL character/);
      expect(answers.slice(5).map((r) => r.status)).toEqual([429, 429]);
      expect(api.log()).not.toMatch(/internal_error|Internal error|\n\s+at /);
    });
  });

  it('invalid UTF-8 in a body field and in a query field: 400 naming the field', async () => {
    await withApi({ settings: { bcryptCost: 4 } }, async (api) => {
      const bytes = Buffer.concat([
        Buffer.from('{"email":"someone@nowhere.test","password":"ab'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ]);
      const response = await fetch(`${api.url}${LOGIN}`, { method: 'POST', body: bytes });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { detail: string }).detail).toMatch(
        /body\.password: is not valid UTF-8/,
      );
      const token = await api.login(SUPERADMIN_EMAIL, DEFAULT_PASSWORD);
      const query = await api.request('GET', '/api/v1/seeders/?limit=%FF', { token });
      expect(query.status).toBe(400);
      expect(query.body.detail).toMatch(/query\.limit: is not valid UTF-8/);
    });
  });

  it('a password over 72 bytes is refused at login (401) even when its first 72 bytes are right', async () => {
    const email = 'long@attacks.test';
    const password = `Aa1!${'x'.repeat(68)}`; // exactly 72 bytes
    await createUser(db, { email, password, roles: ['customer'], cost: 4 });
    await withApi({ settings: { bcryptCost: 4 } }, async (api) => {
      const longer = await api.request('POST', LOGIN, { body: { email, password: `${password}-anything` } });
      expect(longer.status).toBe(401);
      expect(longer.body.detail).toBe('Incorrect email or password; nothing was changed.');
      expect((await api.request('POST', LOGIN, { body: { email, password } })).status).toBe(200);
    });
  });

  it('a token whose sub is not a canonical positive integer ("0x1", "1 ", "01") is refused, even signed with the secret', async () => {
    await withApi({}, async (api) => {
      const [admin] = await db.query<{ token_version: number }>(
        'select token_version from users where email = $1',
        [SUPERADMIN_EMAIL],
      );
      for (const sub of ['0x1', '1 ', '01', '1e0']) {
        const now = Math.floor(Date.now() / 1000);
        const token = await new SignJWT({ ver: admin?.token_version })
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .setSubject(sub)
          .setIssuer('foodfleet-seed')
          .setAudience('foodfleet-seed-admin-api')
          .setIssuedAt(now)
          .setExpirationTime(now + 600)
          .sign(new TextEncoder().encode(TOKEN_SECRET));
        const response = await api.request('GET', '/api/v1/seeders/', { token });
        expect(response.status, sub).toBe(401);
      }
    });
  });

  it('superadmin.password is limited to 72 bytes, not 72 characters', () => {
    const load = (password: string) =>
      loadConfig({ cwd: tempDir('attacks-config-'), env: { SEED_SUPERADMIN_PASSWORD: password } });
    expect(() => load('é'.repeat(36))).not.toThrow(); // 72 bytes
    expect(() => load('é'.repeat(40))).toThrow(/superadmin\.password: must be at most 72 bytes/);
  });
});

describe('logs cannot be forged', () => {
  it('a path with CR/LF, ESC and NUL cannot add a line to the text request log', async () => {
    await withApi({}, async (api) => {
      const forged = '/health%0APOST%20/api/v1/seeders/reset%20200%20812%20ms%20user=1%0A';
      const response = await fetch(`${api.url}${forged}`);
      await response.text();
      await fetch(`${api.url}/health%1B[31m%00%0D`).then((r) => r.text());
      const lines = api.log().split('\n');
      expect(lines.some((line) => line.startsWith('POST /api/v1/seeders/reset'))).toBe(false);
      expect(api.log()).toContain('\\nPOST /api/v1/seeders/reset 200 812 ms user=1\\n');
      for (const raw of ['\u0000', '\u001b', '\r']) expect(api.log()).not.toContain(raw);
      expect(api.log()).toContain('\\x1b[31m\\x00\\r');
    });
  });
});

describe('nothing from the rows leaks', () => {
  it('a restore failing a CHECK: the response, the log and the ledger name the table and constraint, never a hash or email', async () => {
    const backups = tempDir('attacks-backups-');
    mkdirSync(backups, { recursive: true });
    await createUser(db, {
      email: 'restored@attacks.test',
      password: 'Restored-Password-1!',
      roles: [],
      cost: 4,
    });
    await withApi({ env: { SEED_BACKUP_DIR: backups } }, async (api) => {
      const token = await api.login(SUPERADMIN_EMAIL, DEFAULT_PASSWORD);
      const run = await api.request('POST', '/api/v1/seeders/execute', {
        token,
        body: { create_backup: true },
      });
      expect(run.status, run.text).toBe(200);
      const [{ key } = { key: '' }] = await db.query<{ key: string }>(
        'select backup_key as key from seeder_executions where backup_key is not null order by id desc limit 1',
      );
      // Rows already there stay (NOT VALID); the restore's rows are checked as they are loaded.
      await db.query(
        "alter table users add constraint users_not_attacked check (email not like '%@attacks.test') not valid",
      );
      try {
        const restore = await api.request('POST', '/api/v1/seeders/restore', {
          token,
          body: { s3_key: key, create_backup: false },
        });
        expect(restore.status, restore.text).toBe(500);
        expect(restore.body.detail).toMatch(/check constraint "users_not_attacked"/);
        expect(restore.body.detail).toMatch(/table users/);
        const [ledger] = await db.query<{ error_message: string; error_stack: string | null }>(
          "select error_message, error_stack from seeder_executions where command = 'restore' order by id desc limit 1",
        );
        for (const text of [
          restore.text,
          api.log(),
          ledger?.error_message ?? '',
          ledger?.error_stack ?? '',
        ]) {
          expect(text).not.toMatch(/\$2[aby]?\$/);
          expect(text).not.toMatch(/@attacks\.test|Failing row|Key \(/);
        }
        // (The log names the super-admin in a seeder's warning; the failure itself names no one.)
        for (const text of [restore.text, ledger?.error_message ?? '', ledger?.error_stack ?? ''])
          expect(text).not.toContain(SUPERADMIN_EMAIL);
        expect(ledger?.error_message).toMatch(/users_not_attacked/);
      } finally {
        await db.query('alter table users drop constraint users_not_attacked');
      }
    });
  });

  it('restoring an unknown key: 404 naming the key, never the server folder', async () => {
    const backups = tempDir('attacks-backups-');
    await withApi({ env: { SEED_BACKUP_DIR: backups } }, async (api) => {
      const token = await api.login(SUPERADMIN_EMAIL, DEFAULT_PASSWORD);
      const key = 'database-backups/20200101_000000_execution_999.json.gz';
      const response = await api.request('POST', '/api/v1/seeders/restore', {
        token,
        body: { s3_key: key, create_backup: false },
      });
      expect(response.status, response.text).toBe(404);
      expect(response.body.detail).toContain(key);
      expect(response.text).not.toContain(path.resolve(backups));
      expect(response.text).not.toContain(backups);
    });
  });
});
