import http from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open-database.js';
import { freshDatabase, type FreshDatabase } from './support/index.js';
import {
  clearThrottle,
  createUser,
  DEFAULT_PASSWORD,
  GENEROUS_THROTTLE,
  seedWithCli,
  startApi,
  SUPERADMIN_EMAIL,
  type ApiHarness,
} from './server-harness.js';

/** Every error status the API promises, each asserted over HTTP with its `{detail}`. */
let db: FreshDatabase;
let api: ApiHarness;
let adminToken: string;

const PASSWORD = 'Errors-Password-42!';

beforeAll(async () => {
  db = await freshDatabase('server-errors');
  await seedWithCli(db);
  api = await startApi({ db });
  adminToken = await api.login(SUPERADMIN_EMAIL, DEFAULT_PASSWORD);
});

afterAll(async () => {
  await api?.close();
  await db?.close();
});

function expectUnauthorized(
  response: { status: number; headers: Headers; body: any; text: string },
  detail: RegExp,
) {
  expect(response.status, response.text).toBe(401);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="foodfleet-seed"/);
  expect(response.body.detail).toMatch(detail);
}

describe('401: tokens', () => {
  it('missing token', async () => {
    expectUnauthorized(await api.request('GET', '/api/v1/seeders/'), /Missing bearer token/);
  });

  it('malformed Authorization header', async () => {
    for (const value of ['Basic YWRtaW46cGFzcw==', 'Bearer', 'Bearer a b c', 'token-without-scheme']) {
      expectUnauthorized(
        await api.request('GET', '/api/v1/seeders/', { headers: { authorization: value } }),
        /Malformed|invalid/,
      );
    }
  });

  it('not a JWT, a tampered payload, a foreign signature, alg "none"', async () => {
    const [header, , signature] = adminToken.split('.');
    const forged = Buffer.from(
      JSON.stringify({
        sub: '2',
        ver: 0,
        iss: 'foodfleet-seed',
        aud: 'foodfleet-seed-admin-api',
        iat: 1,
        exp: 4102444800,
      }),
    ).toString('base64url');
    const foreign = await new SignJWT({ ver: 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('1')
      .setIssuer('foodfleet-seed')
      .setAudience('foodfleet-seed-admin-api')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-that-is-at-least-32-chars'));
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${forged}.`;
    for (const token of ['not-a-jwt', `${header}.${forged}.${signature}`, foreign, none, `${adminToken}x`]) {
      expectUnauthorized(await api.request('GET', '/api/v1/seeders/', { token }), /token is invalid/);
    }
  });

  it('an expired token (the clock moved past the lifetime)', async () => {
    const token = await api.login(SUPERADMIN_EMAIL, DEFAULT_PASSWORD);
    expect((await api.request('GET', '/api/v1/seeders/', { token })).status).toBe(200);
    api.advanceClock(api.config.server.tokenLifetime + 1);
    try {
      expectUnauthorized(await api.request('GET', '/api/v1/seeders/', { token }), /expired/);
    } finally {
      api.advanceClock(-(api.config.server.tokenLifetime + 1));
    }
  });

  it("a deactivated user's token, and that user's login", async () => {
    const id = await createUser(db, { email: 'leaver@errors.test', password: PASSWORD, roles: ['admin'] });
    const token = await api.login('leaver@errors.test', PASSWORD);
    expect((await api.request('GET', '/api/v1/seeders/', { token })).status).toBe(200);
    await db.query('update users set is_active = false where id = $1', [id]);
    expectUnauthorized(await api.request('GET', '/api/v1/seeders/', { token }), /deactivated/);
    const login = await api.request('POST', '/api/v1/auth/login', {
      body: { email: 'leaver@errors.test', password: PASSWORD },
    });
    expect(login.status).toBe(401);
    expect(login.body.detail).toMatch(/deactivated/);
  });

  it("a deleted user's token", async () => {
    const id = await createUser(db, { email: 'gone@errors.test', password: PASSWORD, roles: ['admin'] });
    const token = await api.login('gone@errors.test', PASSWORD);
    await db.query('delete from users where id = $1', [id]);
    expectUnauthorized(await api.request('GET', '/api/v1/seeders/', { token }), /no longer exists/);
  });

  it('a token from before a password change (and the one that changed it)', async () => {
    await createUser(db, { email: 'rotator@errors.test', password: PASSWORD, roles: ['admin'] });
    const older = await api.login('rotator@errors.test', PASSWORD);
    const current = await api.login('rotator@errors.test', PASSWORD);
    const changed = await api.request('POST', '/api/v1/auth/password/change', {
      token: current,
      body: { current_password: PASSWORD, new_password: 'Rotated-Password-43!' },
    });
    expect(changed.status, changed.text).toBe(200);
    for (const token of [older, current])
      expectUnauthorized(
        await api.request('GET', '/api/v1/seeders/', { token }),
        /before the password was changed/,
      );
    expect(
      (
        await api.request('POST', '/api/v1/auth/login', {
          body: { email: 'rotator@errors.test', password: PASSWORD },
        })
      ).status,
    ).toBe(401);
    const fresh = await api.login('rotator@errors.test', 'Rotated-Password-43!');
    expect((await api.request('GET', '/api/v1/seeders/', { token: fresh })).status).toBe(200);
  });
});

describe('400: bodies and queries name the field at fault', () => {
  const cases: Array<[string, string, unknown, RegExp]> = [
    ['POST', '/api/v1/seeders/execute', '{"create_backup": tru', /not valid JSON/],
    ['POST', '/api/v1/seeders/execute', { create_backup: 'yes' }, /body\.create_backup: .*boolean/],
    ['POST', '/api/v1/seeders/execute', { create_bakup: false }, /body\.create_bakup: unknown field/],
    ['POST', '/api/v1/seeders/execute', '[1, 2]', /body: .*object/],
    ['POST', '/api/v1/seeders/restore', { s3_key: 'a', execution_id: 1 }, /not both/],
    ['POST', '/api/v1/seeders/restore', { execution_id: 'five' }, /body\.execution_id: .*number/],
    ['POST', '/api/v1/seeders/restore', { execution_id: 0 }, /body\.execution_id/],
    ['GET', '/api/v1/seeders/?limit=0', undefined, /query\.limit: must be at least 1/],
    ['GET', '/api/v1/seeders/?limit=501', undefined, /query\.limit: must be at most 500/],
    ['GET', '/api/v1/seeders/?limit=ten', undefined, /query\.limit: must be a whole number/],
    ['GET', '/api/v1/seeders/?skip=-1', undefined, /query\.skip: must be a whole number/],
    ['GET', '/api/v1/seeders/abc', undefined, /path\.id: must be a whole number/],
    ['GET', '/api/v1/seeders/0', undefined, /path\.id: must be at least 1/],
  ];
  for (const [method, path, body, detail] of cases) {
    it(`${method} ${path} ${body === undefined ? '' : JSON.stringify(body)}`, async () => {
      const response = await api.request(method, path, { token: adminToken, body });
      expect(response.status, response.text).toBe(400);
      expect(response.body.detail).toMatch(detail);
    });
  }

  it('login without an email', async () => {
    const response = await api.request('POST', '/api/v1/auth/login', { body: { password: 'x' } });
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/body\.email/);
  });

  it('a weak or over-long new password, with the rule', async () => {
    const token = await api.login(SUPERADMIN_EMAIL, DEFAULT_PASSWORD);
    const attempts: Array<[string, RegExp]> = [
      ['short1!A', /at least 12 characters.*it has 8 characters/],
      ['alllowercase-123', /no upper-case letter/],
      ['NoDigitsHere-Ever', /no digit/],
      ['NoSymbols1234567', /no symbol/],
      [`Aa1!${'x'.repeat(69)}`, /73 bytes long and bcrypt ignores everything past 72/],
      [`Aa1!${'é'.repeat(35)}`, /74 bytes long/],
      [DEFAULT_PASSWORD, /published default password/],
    ];
    for (const [candidate, detail] of attempts) {
      const response = await api.request('POST', '/api/v1/auth/password/change', {
        token,
        body: { current_password: DEFAULT_PASSWORD, new_password: candidate },
      });
      expect(response.status, candidate).toBe(400);
      expect(response.body.detail).toMatch(detail);
      expect(response.body.detail).toMatch(/Nothing was changed/);
    }
    const wrongCurrent = await api.request('POST', '/api/v1/auth/password/change', {
      token,
      body: { current_password: 'not-it', new_password: 'Perfectly-Good-Pass-1' },
    });
    expect(wrongCurrent.status).toBe(400);
    expect(wrongCurrent.body.detail).toMatch(/current_password is incorrect/);
    // Nothing changed: the token still works and the default password still logs in.
    expect((await api.request('GET', '/api/v1/seeders/', { token })).status).toBe(200);
  });
});

describe('403, 404, 413', () => {
  it('403 without the permission', async () => {
    await createUser(db, { email: 'diner@errors.test', password: PASSWORD, roles: ['customer'] });
    const token = await api.login('diner@errors.test', PASSWORD);
    const response = await api.request('POST', '/api/v1/seeders/execute', { token });
    expect(response.status).toBe(403);
    expect(response.body.detail).toMatch(/seeders:execute/);
  });

  it('404 for an unknown execution and an unknown route', async () => {
    const missing = await api.request('GET', '/api/v1/seeders/999999', { token: adminToken });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toMatch(/#999999 does not exist/);
    const route = await api.request('GET', '/api/v1/nothing-here', { token: adminToken });
    expect(route.status).toBe(404);
    expect(route.body.detail).toMatch(/There is no GET \/api\/v1\/nothing-here/);
  });

  it('413 for a body over 64 KB, with a Content-Length or chunked', async () => {
    const big = JSON.stringify({ create_backup: true, padding: 'x'.repeat(70 * 1024) });
    const response = await api.request('POST', '/api/v1/seeders/execute', { token: adminToken, body: big });
    expect(response.status).toBe(413);
    expect(response.body.detail).toMatch(/over 64 KB/);
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        `${api.url}/api/v1/auth/login`,
        { method: 'POST', headers: { 'transfer-encoding': 'chunked' } },
        (res) => {
          let body = '';
          res
            .setEncoding('utf8')
            .on('data', (c: string) => (body += c))
            .on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 70; i++) req.write('x'.repeat(1024));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).detail).toMatch(/over 64 KB/);
  });
});

describe('409, 500, 503', () => {
  it('409 when another run holds the lock past server.lockTimeout (0 s), recorded with the user id', async () => {
    const other = await openDatabase(api.config);
    const release = await other.acquireRunLock(5000);
    try {
      const response = await api.request('POST', '/api/v1/seeders/execute', {
        token: adminToken,
        body: { create_backup: false },
      });
      expect(response.status, response.text).toBe(409);
      expect(response.body.detail).toMatch(/Another run holds the lock/);
      const [row] = await db.query<{ status: string; user_id: number; source: string }>(
        'select status, user_id, source from seeder_executions where id = $1',
        [response.body.execution_id],
      );
      expect(row).toEqual({ status: 'failed', user_id: 1, source: 'api' });
    } finally {
      await release?.();
      await other.close();
    }
  });

  it('500 for a failed seeder: the execution id and the message, never a stack trace or SQL', async () => {
    await db.query(
      `create function refuse_templates() returns trigger language plpgsql as $$ begin raise exception 'templates are frozen today'; end $$`,
    );
    await db.query(
      'create trigger refuse_templates before insert or update on sms_templates for each row execute function refuse_templates()',
    );
    await db.query("delete from sms_templates where name = 'order_delivered'");
    try {
      const response = await api.request('POST', '/api/v1/seeders/execute', {
        token: adminToken,
        body: { create_backup: false },
      });
      expect(response.status, response.text).toBe(500);
      expect(Object.keys(response.body).sort()).toEqual(['detail', 'execution_id']);
      expect(response.body.detail).toMatch(
        /SMSTemplatesSeeder failed: templates are frozen today\. The whole run was rolled back/,
      );
      expect(response.text).not.toMatch(/\bat .*\.(ts|js):\d+|insert into|select /i);
      const execution = await api.request('GET', `/api/v1/seeders/${response.body.execution_id}`, {
        token: adminToken,
      });
      expect(execution.body).toMatchObject({
        status: 'failed',
        source: 'api',
        user_id: 1,
        triggered_by: 'api:user:1',
        error: { message: response.body.detail, stack: null },
      });
      const [stored] = await db.query<{ error_stack: string }>(
        'select error_stack from seeder_executions where id = $1',
        [response.body.execution_id],
      );
      expect(stored?.error_stack).toMatch(/templates are frozen/); // kept for `show`, never sent
    } finally {
      await db.query('drop trigger refuse_templates on sms_templates');
      await db.query('drop function refuse_templates()');
    }
  });

  it('503 from login and /health while the FoodFleet tables do not exist; nothing is created', async () => {
    const empty = await freshDatabase('server-errors-empty');
    const bare = await startApi({ db: empty });
    try {
      const login = await bare.request('POST', '/api/v1/auth/login', {
        body: { email: SUPERADMIN_EMAIL, password: DEFAULT_PASSWORD },
      });
      expect(login.status).toBe(503);
      expect(login.body.detail).toMatch(/foodfleet-seed migrate.*foodfleet-seed run/);
      const health = await bare.request('GET', '/health');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'unavailable', database: 'not_migrated' });
      const tables = await empty.query(
        "select table_name from information_schema.tables where table_schema = 'public'",
      );
      expect(tables).toEqual([]);
    } finally {
      await bare.close();
      await empty.close();
    }
  });

  it('/health is {status, database} without a token, and ignores one', async () => {
    const plain = await api.request('GET', '/health');
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual({ status: 'ok', database: 'ok' });
    expect((await api.request('GET', '/health', { token: adminToken })).body).toEqual({
      status: 'ok',
      database: 'ok',
    });
  });
});

describe('login: same answer for an unknown email, throttling, a responsive server', () => {
  let fresh: ApiHarness;

  beforeAll(async () => {
    // A generous throttle: these tests fail logins on purpose and would otherwise meet the 429.
    fresh = await startApi({ db, settings: { throttle: GENEROUS_THROTTLE } });
  });

  afterAll(async () => {
    await fresh?.close();
  });

  it('an unknown email and a wrong password get the same response in about the same time', async () => {
    const attempt = async (email: string) => {
      const started = performance.now();
      const response = await fresh.request('POST', '/api/v1/auth/login', {
        body: { email, password: 'Wrong-Password-1!' },
      });
      return {
        ms: performance.now() - started,
        answer: [response.status, response.body, response.headers.get('www-authenticate')],
      };
    };
    await attempt('warm-up@nowhere.test'); // makes the dummy hash once
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await attempt(SUPERADMIN_EMAIL);
      const b = await attempt(`nobody-${i}@nowhere.test`);
      expect(b.answer).toEqual(a.answer);
      known.push(a.ms);
      unknown.push(b.ms);
    }
    // Interleaved pairs and medians: this machine is shared and noisy, so only a ratio is asserted.
    // Without the dummy hash an unknown email answers ~50× faster (no bcrypt at all).
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[2] as number;
    const ratio = median(unknown) / median(known);
    expect(ratio, `unknown ${median(unknown)} ms vs known ${median(known)} ms`).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('/health answers while several logins (bcrypt cost 12) are in flight', async () => {
    const finished: string[] = [];
    const logins = Array.from({ length: 6 }, (_, i) =>
      fresh
        .request('POST', '/api/v1/auth/login', {
          body: { email: SUPERADMIN_EMAIL, password: DEFAULT_PASSWORD },
        })
        .then((response) => {
          finished.push(`login ${i}`);
          return response;
        }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const health = await fresh.request('GET', '/health');
    finished.push('health');
    const settled = await Promise.all(logins);
    expect(health.status).toBe(200);
    expect(settled.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // bcrypt runs in worker threads: /health does not queue behind ~6 × 285 ms of hashing.
    expect(finished.indexOf('health'), finished.join(', ')).toBeLessThanOrEqual(1);
  });

  it('5 failures for one email → 429 with Retry-After, even with the right password; then the window passes', async () => {
    await clearThrottle(db);
    const throttled = await startApi({ db });
    try {
      for (let i = 0; i < 5; i++) {
        const r = await throttled.request('POST', '/api/v1/auth/login', {
          body: { email: SUPERADMIN_EMAIL, password: `wrong-${i}` },
        });
        expect(r.status).toBe(401);
      }
      const blocked = await throttled.request('POST', '/api/v1/auth/login', {
        body: { email: SUPERADMIN_EMAIL, password: DEFAULT_PASSWORD },
      });
      expect(blocked.status).toBe(429);
      const retryAfter = Number(blocked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(800);
      expect(retryAfter).toBeLessThanOrEqual(900);
      expect(blocked.body.detail).toMatch(/Too many failed attempts/);
      throttled.advanceClock(901);
      expect(
        (
          await throttled.request('POST', '/api/v1/auth/login', {
            body: { email: SUPERADMIN_EMAIL, password: DEFAULT_PASSWORD },
          })
        ).status,
      ).toBe(200);
    } finally {
      await throttled.close();
    }
  });

  it('X-Forwarded-For is ignored by default (no escaping the throttle by spoofing it), and used with server.trustProxy', async () => {
    await clearThrottle(db);
    const direct = await startApi({ db });
    try {
      for (let i = 0; i < 5; i++) {
        const headers = { 'x-forwarded-for': `198.51.100.${i}` };
        expect(
          (
            await direct.request('POST', '/api/v1/auth/login', {
              body: { email: 'spoof@nowhere.test', password: 'x' },
              headers,
            })
          ).status,
        ).toBe(401);
      }
      const blocked = await direct.request('POST', '/api/v1/auth/login', {
        body: { email: 'spoof@nowhere.test', password: 'x' },
        headers: { 'x-forwarded-for': '198.51.100.99' },
      });
      expect(blocked.status).toBe(429);
    } finally {
      await direct.close();
    }
    const proxied = await startApi({ db, settings: { trustProxy: 1 } });
    try {
      // The last entry is the one the proxy appended; earlier ones are whatever the client claimed.
      for (let i = 0; i < 5; i++) {
        const headers = { 'x-forwarded-for': `10.0.0.${i}, 203.0.113.5` };
        expect(
          (
            await proxied.request('POST', '/api/v1/auth/login', {
              body: { email: SUPERADMIN_EMAIL, password: `wrong-${i}` },
              headers,
            })
          ).status,
        ).toBe(401);
      }
      const sameClient = await proxied.request('POST', '/api/v1/auth/login', {
        body: { email: SUPERADMIN_EMAIL, password: DEFAULT_PASSWORD },
        headers: { 'x-forwarded-for': '203.0.113.5' },
      });
      expect(sameClient.status).toBe(429);
      // Not a lockout: the account's owner, from an address of their own, still logs in.
      const otherClient = await proxied.request('POST', '/api/v1/auth/login', {
        body: { email: SUPERADMIN_EMAIL, password: DEFAULT_PASSWORD },
        headers: { 'x-forwarded-for': '203.0.113.6' },
      });
      expect(otherClient.status).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it('server.trustProxy as a hop count: behind two proxies the client is the second entry from the end', async () => {
    await clearThrottle(db);
    const proxied = await startApi({ db, settings: { trustProxy: 2 } });
    try {
      // Claimed by the client, then appended by the outer proxy (198.51.100.7 = the client) and the inner one.
      const chain = (claimed: string) => ({ 'x-forwarded-for': `${claimed}, 198.51.100.7, 10.1.1.1` });
      for (let i = 0; i < 5; i++) {
        const r = await proxied.request('POST', '/api/v1/auth/login', {
          body: { email: SUPERADMIN_EMAIL, password: `wrong-${i}` },
          headers: chain(`192.0.2.${i}`),
        });
        expect(r.status).toBe(401);
      }
      const spoofing = await proxied.request('POST', '/api/v1/auth/login', {
        body: { email: SUPERADMIN_EMAIL, password: DEFAULT_PASSWORD },
        headers: chain('192.0.2.200'),
      });
      expect(spoofing.status).toBe(429);
    } finally {
      await proxied.close();
    }
  });

  it('server.loginThrottle.maxFailuresPerAddress failures from one client address across emails → 429 for any email', async () => {
    await clearThrottle(db);
    const throttled = await startApi({ db, settings: { throttle: { maxFailuresPerAddress: 5 } } });
    try {
      for (let i = 0; i < 5; i++) {
        expect(
          (
            await throttled.request('POST', '/api/v1/auth/login', {
              body: { email: `spray-${i}@nowhere.test`, password: 'x' },
            })
          ).status,
        ).toBe(401);
      }
      const blocked = await throttled.request('POST', '/api/v1/auth/login', {
        body: { email: SUPERADMIN_EMAIL, password: DEFAULT_PASSWORD },
      });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await throttled.close();
    }
  });
});
