import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type FreshDatabase } from './support/index.js';
import {
  createUser,
  DEFAULT_PASSWORD,
  seedWithCli,
  startApi,
  SUPERADMIN_EMAIL,
  type ApiHarness,
} from './server-harness.js';
import type { Actor, Operations } from '../src/server/operations.js';

/**
 * Every seeded role × every endpoint over HTTP. Execute, reset, restore and backup are recorded
 * instead of run (a reset would wipe the users this matrix creates); the listings are the real ones.
 */
let db: FreshDatabase;
let api: ApiHarness;
const calls: Array<{ operation: string; actor: Actor }> = [];

const PASSWORD = 'Matrix-Password-42!';
const ROLES = [
  'superadmin',
  'admin',
  'restaurant_owner',
  'restaurant_manager',
  'customer',
  '(none)',
] as const;
const ALLOWED = new Set(['superadmin', 'admin']);
const ENDPOINTS = [
  { method: 'POST', path: '/api/v1/seeders/execute', body: { create_backup: false }, operation: 'execute' },
  { method: 'POST', path: '/api/v1/seeders/reset', body: {}, operation: 'reset' },
  { method: 'POST', path: '/api/v1/seeders/restore', body: {}, operation: 'restore' },
  { method: 'POST', path: '/api/v1/seeders/backup', body: {}, operation: 'backup' },
  { method: 'GET', path: '/api/v1/seeders/backups?skip=0&limit=10', operation: 'backups' },
  { method: 'GET', path: '/api/v1/seeders/?skip=0&limit=50', operation: 'list' },
  { method: 'GET', path: '/api/v1/seeders/1', operation: 'get' },
] as const;

function recording(real: Operations): Operations {
  const stub = (operation: string) => async (actor: Actor) => {
    calls.push({ operation, actor });
    return { recorded: operation } as never;
  };
  return {
    ...real,
    execute: stub('execute'),
    reset: stub('reset'),
    restore: stub('restore'),
    backup: stub('backup'),
  };
}

const userIds = new Map<string, number>();
const tokens = new Map<string, string>();

beforeAll(async () => {
  db = await freshDatabase('server-rbac');
  await seedWithCli(db);
  api = await startApi({ db, operations: recording });
  for (const role of ROLES) {
    const email = `${role.replace(/[()]/g, '')}@matrix.test`;
    userIds.set(
      role,
      await createUser(db, { email, password: PASSWORD, roles: role === '(none)' ? [] : [role] }),
    );
    tokens.set(role, await api.login(email, PASSWORD));
  }
});

afterAll(async () => {
  await api?.close();
  await db?.close();
});

describe('RBAC matrix', () => {
  for (const role of ROLES) {
    for (const endpoint of ENDPOINTS) {
      const expected = ALLOWED.has(role) ? 200 : 403;
      it(`${role} → ${endpoint.method} ${endpoint.path} → ${expected}`, async () => {
        calls.length = 0;
        const response = await api.request(endpoint.method, endpoint.path, {
          token: tokens.get(role),
          body: 'body' in endpoint ? endpoint.body : undefined,
        });
        expect(response.status, response.text).toBe(expected);
        if (expected === 403) {
          const permission = endpoint.method === 'GET' ? 'seeders:read' : 'seeders:execute';
          expect(response.body.detail).toContain(permission);
          expect(calls).toEqual([]);
        } else if (endpoint.method === 'POST') {
          // The operation runs for the caller: the execution records this user's id.
          expect(calls).toEqual([{ operation: endpoint.operation, actor: { userId: userIds.get(role) } }]);
        }
      });
    }
  }

  it('every role may change its own password (no permission needed): a weak one is refused with 400, not 403', async () => {
    for (const role of ROLES) {
      const response = await api.request('POST', '/api/v1/auth/password/change', {
        token: tokens.get(role),
        body: { current_password: PASSWORD, new_password: 'weak' },
      });
      expect(response.status, `${role}: ${response.text}`).toBe(400);
    }
  });

  it('every role may ask who it is: GET /api/v1/auth/me names its roles and what they grant', async () => {
    for (const role of ROLES) {
      const response = await api.request('GET', '/api/v1/auth/me', { token: tokens.get(role) });
      expect(response.status, `${role}: ${response.text}`).toBe(200);
      const email = `${role.replace(/[()]/g, '')}@matrix.test`;
      expect(response.body).toMatchObject({
        id: userIds.get(role),
        email,
        username: email,
        roles: role === '(none)' ? [] : [role],
        must_change_password: false,
      });
      const mayRead = response.body.permissions.includes('seeders:read');
      expect(mayRead, role).toBe(ALLOWED.has(role));
    }
  });

  it('without a token every seeder endpoint (and /auth/me) is 401 with WWW-Authenticate: Bearer', async () => {
    for (const endpoint of [...ENDPOINTS, { method: 'GET', path: '/api/v1/auth/me' }]) {
      const response = await api.request(endpoint.method, endpoint.path);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });
});

describe('permissions are read on every request', () => {
  it('revoking a role takes effect at once, with the same token', async () => {
    const token = tokens.get('admin')!;
    expect((await api.request('GET', '/api/v1/seeders/', { token })).status).toBe(200);
    await db.query(
      "delete from user_roles where user_id = $1 and role_id = (select id from roles where name = 'admin')",
      [userIds.get('admin')],
    );
    const revoked = await api.request('GET', '/api/v1/seeders/', { token });
    expect(revoked.status).toBe(403);
    await db.query(
      "insert into user_roles (user_id, role_id) select $1, id from roles where name = 'admin'",
      [userIds.get('admin')],
    );
    expect((await api.request('GET', '/api/v1/seeders/', { token })).status).toBe(200);
  });

  it('granting seeders:read to a role takes effect at once', async () => {
    const token = tokens.get('customer')!;
    expect((await api.request('GET', '/api/v1/seeders/', { token })).status).toBe(403);
    await db.query(
      "insert into role_permissions (role_id, permission_id) select r.id, p.id from roles r, permissions p where r.name = 'customer' and p.name = 'seeders:read'",
    );
    expect((await api.request('GET', '/api/v1/seeders/', { token })).status).toBe(200);
    expect((await api.request('POST', '/api/v1/seeders/execute', { token })).status).toBe(403);
    await db.query(
      "delete from role_permissions where role_id = (select id from roles where name = 'customer') and permission_id = (select id from permissions where name = 'seeders:read')",
    );
  });
});

describe('the published default password in production', () => {
  let prod: ApiHarness;

  beforeAll(async () => {
    prod = await startApi({ db, production: true, operations: recording });
  });

  afterAll(async () => {
    await prod?.close();
  });

  it('outside production the login works fully and carries a warning', async () => {
    const response = await api.request('POST', '/api/v1/auth/login', {
      body: { email: SUPERADMIN_EMAIL, password: DEFAULT_PASSWORD },
    });
    expect(response.status).toBe(200);
    expect(response.body.warning).toMatch(/default password/);
    expect((await api.request('GET', '/api/v1/seeders/', { token: response.body.access_token })).status).toBe(
      200,
    );
  });

  it('in production the token can only change the password; everything else is 403 saying why', async () => {
    const response = await prod.request('POST', '/api/v1/auth/login', {
      body: { email: SUPERADMIN_EMAIL, password: DEFAULT_PASSWORD },
    });
    expect(response.status).toBe(200);
    expect(response.body.warning).toMatch(/can only change it/);
    const token = response.body.access_token as string;
    calls.length = 0;
    for (const endpoint of ENDPOINTS) {
      const refused = await prod.request(endpoint.method, endpoint.path, {
        token,
        body: 'body' in endpoint ? endpoint.body : undefined,
      });
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toMatch(/published default password/);
      expect(refused.body.detail).toMatch(/password\/change/);
    }
    expect(calls).toEqual([]);

    // It may still ask who it is, and learns that it must change the password.
    const me = await prod.request('GET', '/api/v1/auth/me', { token });
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({
      email: SUPERADMIN_EMAIL,
      roles: ['superadmin'],
      must_change_password: true,
    });
    expect(me.body.permissions).toContain('seeders:execute');

    const changed = await prod.request('POST', '/api/v1/auth/password/change', {
      token,
      body: { current_password: DEFAULT_PASSWORD, new_password: 'NewSecurePassword123!' },
    });
    expect(changed.status, changed.text).toBe(200);
    const full = await prod.login(SUPERADMIN_EMAIL, 'NewSecurePassword123!');
    expect((await prod.request('GET', '/api/v1/auth/me', { token: full })).body.must_change_password).toBe(
      false,
    );
    expect((await prod.request('GET', '/api/v1/seeders/', { token: full })).status).toBe(200);
  });
});
