import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type FreshDatabase } from './support/index.js';
import {
  createUser,
  DEFAULT_PASSWORD,
  seedWithCli,
  startApi,
  SUPERADMIN_EMAIL,
  TOKEN_SECRET,
  type ApiHarness,
  type ApiResponse,
} from './server-harness.js';

/**
 * Tokens, passwords and the token secret never appear in the log (text or JSON) nor in any
 * response other than the login that hands the token out.
 */
let db: FreshDatabase;

const ADMIN_PASSWORD = 'Admin-Secret-Password-5%';
const COOK_PASSWORD = 'Cook-Secret-Password-6&';
const NEW_PASSWORD = 'Brand-New-Secret-77!';
const WRONG_PASSWORD = 'Guessing-Wrong-99?';
const SECRETS = [DEFAULT_PASSWORD, ADMIN_PASSWORD, COOK_PASSWORD, NEW_PASSWORD, WRONG_PASSWORD, TOKEN_SECRET];

beforeAll(async () => {
  db = await freshDatabase('server-secrets');
  await seedWithCli(db);
  await createUser(db, { email: 'cook@secrets.test', password: COOK_PASSWORD, roles: ['customer'] });
});

afterAll(async () => {
  await db?.close();
});

for (const logFormat of ['text', 'json'] as const) {
  describe(`log format ${logFormat}`, () => {
    let api: ApiHarness;
    const responses: ApiResponse[] = [];
    const tokens: string[] = [];

    beforeAll(async () => {
      const admin = `admin-${logFormat}@secrets.test`;
      await createUser(db, { email: admin, password: ADMIN_PASSWORD, roles: ['admin'] });
      api = await startApi({ db, logFormat });
      const token = await api.login(admin, ADMIN_PASSWORD);
      const cook = await api.login('cook@secrets.test', COOK_PASSWORD);
      const superadmin = await api.login(SUPERADMIN_EMAIL, DEFAULT_PASSWORD);
      tokens.push(token, cook, superadmin);
      const calls: Array<[string, string, { token?: string; body?: unknown }]> = [
        ['POST', '/api/v1/auth/login', { body: { email: admin, password: WRONG_PASSWORD } }],
        ['POST', '/api/v1/auth/login', { body: { email: 'nobody@secrets.test', password: WRONG_PASSWORD } }],
        ['POST', '/api/v1/seeders/execute', { token: cook }],
        ['POST', '/api/v1/seeders/execute', { token, body: { create_backup: false } }],
        ['GET', '/api/v1/seeders/?limit=50', { token: superadmin }],
        ['GET', '/api/v1/seeders/', { token: `${token.slice(0, -2)}xx` }],
        [
          'POST',
          '/api/v1/auth/password/change',
          { token, body: { current_password: ADMIN_PASSWORD, new_password: 'weak' } },
        ],
        [
          'POST',
          '/api/v1/auth/password/change',
          { token, body: { current_password: WRONG_PASSWORD, new_password: NEW_PASSWORD } },
        ],
        [
          'POST',
          '/api/v1/auth/password/change',
          { token, body: { current_password: ADMIN_PASSWORD, new_password: NEW_PASSWORD } },
        ],
        ['GET', '/api/v1/seeders/', { token }],
      ];
      for (const [method, path, options] of calls) responses.push(await api.request(method, path, options));
      tokens.push(await api.login(admin, NEW_PASSWORD));
    });

    afterAll(async () => {
      await api?.close();
    });

    it('the calls answered as expected', () => {
      expect(responses.map((r) => r.status)).toEqual([401, 401, 403, 200, 200, 401, 400, 400, 200, 401]);
    });

    it('the log has a line per request and none of the secrets', () => {
      const log = api.log();
      const requestLines = log
        .split('\n')
        .filter((line) => /\/api\/v1\//.test(line) && /\b(200|40\d)\b/.test(line));
      expect(requestLines.length).toBeGreaterThanOrEqual(responses.length + tokens.length);
      for (const secret of [...tokens, ...SECRETS]) expect(log).not.toContain(secret);
      // Not even part of a token.
      for (const token of tokens)
        for (const part of token.split('.').slice(1)) expect(log).not.toContain(part);
    });

    it('no response carries a token, a password or the secret; errors carry no stack or SQL', () => {
      for (const response of responses) {
        for (const secret of [...tokens, ...SECRETS]) expect(response.text).not.toContain(secret);
        expect(response.text).not.toMatch(/\n\s+at |node_modules|\bselect .* from\b|\binsert into\b/i);
        if (response.status >= 400) expect(Object.keys(response.body)).toEqual(['detail']);
      }
    });
  });
}
