import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, runCli, tempDir, type FreshDatabase } from './support/index.js';
import {
  createUser,
  DEFAULT_PASSWORD,
  seedWithCli,
  startApi,
  SUPERADMIN_EMAIL,
  TOKEN_SECRET,
  type ApiHarness,
} from './server-harness.js';

/**
 * The endpoints issue 12 added — backup only, the backup list, who am I, the OpenAPI document —
 * over real HTTP against a real database, backups in a local folder the API never names.
 */
let db: FreshDatabase;
let api: ApiHarness;
let token: string;
let superadminId: number;
let backupDir: string;
const taken: Array<{ key: string; execution_id: number }> = [];

const executions = () =>
  db.query<{ n: string }>('select count(*) as n from seeder_executions').then((rows) => Number(rows[0]?.n));

beforeAll(async () => {
  db = await freshDatabase('server-api-additions');
  await seedWithCli(db);
  backupDir = tempDir('foodfleet-api-backups-');
  api = await startApi({ db, env: { SEED_BACKUP_DIR: backupDir } });
  token = await api.login(SUPERADMIN_EMAIL, DEFAULT_PASSWORD);
  superadminId = (
    await db.query<{ id: number }>('select id from users where email = $1', [SUPERADMIN_EMAIL])
  )[0]!.id;
});

afterAll(async () => {
  await api?.close();
  await db?.close();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('POST /api/v1/seeders/backup', () => {
  it('takes a backup only, answers what it stored and records the caller', async () => {
    const templates = await db.query('select * from sms_templates order by id');
    const response = await api.request('POST', '/api/v1/seeders/backup', { token });
    expect(response.status, response.text).toBe(200);
    const body = response.body;
    expect(body).toMatchObject({ success: true, key: expect.stringMatching(/\.json\.gz$/) });
    expect(body.tables.sms_templates).toBe(templates.length);
    expect(body.tables.users).toBeGreaterThan(0);
    // What it says is what is on disk.
    const file = filesUnder(backupDir).find((name) => name.endsWith(body.key.split('/').pop()));
    expect(file, body.key).toBeDefined();
    const bytes = readFileSync(file!);
    expect(bytes.length).toBe(body.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(body.sha256);
    // Nothing was seeded: the rows are as before.
    expect(await db.query('select * from sms_templates order by id')).toEqual(templates);
    // The audit row.
    const [row] = await db.query<Record<string, unknown>>('select * from seeder_executions where id = $1', [
      body.execution_id,
    ]);
    expect(row).toMatchObject({
      command: 'backup',
      status: 'completed',
      source: 'api',
      triggered_by: `api:user:${superadminId}`,
      user_id: superadminId,
      backup_key: body.key,
      backup_status: 'completed',
    });
    // The local folder's path never reaches a client.
    expect(response.text).not.toContain(backupDir);
    taken.push({ key: body.key, execution_id: body.execution_id });
  });

  it('an unknown field is 400 naming it, and nothing is recorded', async () => {
    const before = await executions();
    const response = await api.request('POST', '/api/v1/seeders/backup', { token, body: { s3_key: 'x' } });
    expect(response.status).toBe(400);
    expect(response.body.detail).toContain('body.s3_key: unknown field');
    expect(await executions()).toBe(before);
  });

  it('a backup that cannot be written is recorded failed; the answer names <backup.dir>, not the folder', async () => {
    const blocked = path.join(tempDir('foodfleet-api-blocked-'), 'a-file');
    writeFileSync(blocked, 'not a folder');
    const broken = await startApi({ db, env: { SEED_BACKUP_DIR: blocked } });
    try {
      const response = await broken.request('POST', '/api/v1/seeders/backup', {
        token: await broken.login(SUPERADMIN_EMAIL, DEFAULT_PASSWORD),
      });
      expect(response.status, response.text).toBeGreaterThanOrEqual(500);
      expect(response.body.detail).toBeTruthy();
      expect(response.text).not.toContain(blocked);
      expect(response.text).not.toContain(path.dirname(blocked));
      const [row] = await db.query<Record<string, unknown>>(
        'select status, source, backup_status, error_message from seeder_executions where id = $1',
        [response.body.execution_id],
      );
      expect(row).toMatchObject({ status: 'failed', source: 'api', backup_status: 'failed' });
      expect(String(row?.error_message)).not.toContain(blocked);
    } finally {
      await broken.close();
    }
  });
});

describe('GET /api/v1/seeders/backups', () => {
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const response = await api.request('POST', '/api/v1/seeders/backup', { token });
      expect(response.status, response.text).toBe(200);
      taken.push({ key: response.body.key, execution_id: response.body.execution_id });
    }
  });

  it('lists complete backups newest first, with the items of `backups --json`', async () => {
    const response = await api.request('GET', '/api/v1/seeders/backups', { token });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ total: 3, skip: 0, limit: 50 });
    const newestFirst = [...taken].reverse();
    expect(response.body.items.map((item: { key: string }) => item.key)).toEqual(
      newestFirst.map((b) => b.key),
    );
    expect(response.body.items.map((item: { execution_id: number }) => item.execution_id)).toEqual(
      newestFirst.map((b) => b.execution_id),
    );
    const cli = await runCli(['backups', '--json'], {
      env: { DATABASE_URL: db.url, SEED_BACKUP_DIR: backupDir },
    });
    expect(cli.code, cli.stderr).toBe(0);
    expect(response.body.items).toEqual(cli.json<{ items: unknown[] }>().items);
    expect(response.text).not.toContain(backupDir);
  });

  it('pages with skip and limit', async () => {
    const page = await api.request('GET', '/api/v1/seeders/backups?skip=1&limit=1', { token });
    expect(page.status, page.text).toBe(200);
    expect(page.body).toMatchObject({ total: 3, skip: 1, limit: 1 });
    expect(page.body.items.map((item: { key: string }) => item.key)).toEqual([taken[1]!.key]);
    const past = await api.request('GET', '/api/v1/seeders/backups?skip=3', { token });
    expect(past.body).toMatchObject({ items: [], total: 3 });
  });

  it('a bad query is 400 naming the field (it is not taken for an execution id)', async () => {
    const response = await api.request('GET', '/api/v1/seeders/backups?limit=0', { token });
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/query\.limit: must be at least 1/);
  });
});

describe('GET /api/v1/auth/me', () => {
  it('answers who the token belongs to and what their roles grant', async () => {
    const response = await api.request('GET', '/api/v1/auth/me', { token });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      id: superadminId,
      email: SUPERADMIN_EMAIL,
      username: expect.any(String),
      roles: ['superadmin'],
      permissions: expect.arrayContaining(['seeders:execute', 'seeders:read']),
      must_change_password: false,
    });
  });

  it('a customer may ask too, and is told it holds no seeder permission', async () => {
    await createUser(db, {
      email: 'me-customer@example.test',
      password: 'Customer-Pass-42!',
      roles: ['customer'],
    });
    const customer = await api.login('me-customer@example.test', 'Customer-Pass-42!');
    const response = await api.request('GET', '/api/v1/auth/me', { token: customer });
    expect(response.status).toBe(200);
    expect(response.body.roles).toEqual(['customer']);
    expect(response.body.permissions).not.toContain('seeders:read');
    expect((await api.request('GET', '/api/v1/seeders/backups', { token: customer })).status).toBe(403);
    expect((await api.request('POST', '/api/v1/seeders/backup', { token: customer })).status).toBe(403);
  });

  it('without a token: 401', async () => {
    const response = await api.request('GET', '/api/v1/auth/me');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});

describe('GET /openapi.json', () => {
  let document: any;

  beforeAll(async () => {
    const response = await api.request('GET', '/openapi.json');
    expect(response.status, response.text).toBe(200);
    document = response.body;
    // Nothing secret or local in it.
    for (const secret of [TOKEN_SECRET, db.url, backupDir, DEFAULT_PASSWORD])
      expect(response.text).not.toContain(secret);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeTruthy();
  });

  it('documents every route the app serves, and each documented path is served', async () => {
    const served = new Set(
      api.routes
        .filter((route) => route.method === 'GET' || route.method === 'POST')
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1')}`),
    );
    const documented = new Set(
      Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([route, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${route}`),
      ),
    );
    expect([...documented].sort()).toEqual([...served].sort());
    for (const entry of documented) {
      const [method, route] = entry.split(' ') as [string, string];
      const response = await api.request(method, route.replace('{id}', '1'));
      expect(response.text, entry).not.toMatch(/There is no/);
    }
  });

  it('names each operation’s access, parameters, body and every answer including {detail} errors', () => {
    const backup = document.paths['/api/v1/seeders/backup'].post;
    expect(backup.security).toEqual([{ bearer: [] }]);
    expect(backup.description).toContain('seeders:execute');
    expect(Object.keys(backup.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '409',
      '413',
      '500',
      '503',
    ]);
    expect(backup.responses['403'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Error',
    });
    expect(document.components.schemas.Error.required).toEqual(['detail']);
    expect(document.components.schemas.BackupResult.required).toEqual(
      expect.arrayContaining(['success', 'execution_id', 'key', 'size', 'sha256', 'tables']),
    );
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    // Request bodies come from the zod schemas the routes parse: defaults make fields optional.
    const execute =
      document.paths['/api/v1/seeders/execute'].post.requestBody.content['application/json'].schema;
    expect(execute.properties.create_backup).toMatchObject({ type: 'boolean', default: true });
    expect(execute.additionalProperties).toBe(false);
    const login = document.paths['/api/v1/auth/login'].post;
    expect(login.security).toEqual([]);
    expect(login.requestBody.content['application/json'].schema.required).toEqual(['email', 'password']);
    const list = document.paths['/api/v1/seeders/backups'].get.parameters;
    expect(list.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'query:skip',
      'query:limit',
    ]);
    const one = document.paths['/api/v1/seeders/{id}'].get.parameters;
    expect(one).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
    expect(document.paths['/api/v1/auth/me'].get.responses['200'].content['application/json'].schema).toEqual(
      {
        $ref: '#/components/schemas/Me',
      },
    );
  });
});
