import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBucket,
  freshDatabase,
  type CliProcess,
  type FreshDatabase,
  type TestBucket,
} from './support/index.js';
import { curl, DEFAULT_PASSWORD, seedWithCli, startServe, TOKEN_SECRET } from './server-harness.js';

/**
 * The guide's "API Usage (Production)" and "Security Considerations" flow against
 * `foodfleet-seed serve`, with each curl command sent exactly as curl sends it (only the port
 * differs: the test asks for a free one). Real PostgreSQL, backups on the S3-protocol server.
 */
let db: FreshDatabase;
let bucket: TestBucket;
let serve: { url: string; cli: CliProcess };
let TOKEN: string;
let executionId: number;
let backupKey: string;

const SEEDERS = ['PermissionsSeeder', 'RolesSeeder', 'SuperAdminSeeder', 'SMSTemplatesSeeder'];

beforeAll(async () => {
  db = await freshDatabase('server-flow');
  bucket = await createBucket('server-flow');
  await seedWithCli(db);
  serve = await startServe({ DATABASE_URL: db.url, SEED_TOKEN_SECRET: TOKEN_SECRET, ...bucket.env });
});

afterAll(async () => {
  await serve?.cli.kill('SIGTERM');
  await db?.close();
});

const api = (path: string) => `${serve.url}${path}`;
const auth = () => [`Authorization: Bearer ${TOKEN}`];
const templateCount = async () =>
  Number((await db.query<{ n: string }>('select count(*) as n from sms_templates'))[0]?.n);

describe('the guide, step by step', () => {
  it('binds 127.0.0.1 by default', () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('1. login as the seeded superadmin', async () => {
    const response = await curl('POST', api('/api/v1/auth/login'), {
      headers: ['Content-Type: application/json'],
      data: `{
    "email": "admin@foodfleet.com",
    "password": "SuperAdmin@123"
  }`,
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(response.body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(response.body.warning).toMatch(/published default password/);
    TOKEN = response.body.access_token;
  });

  it("2. execute seeders with a backup: the guide's response shape plus execution_id and warnings", async () => {
    const response = await curl('POST', api('/api/v1/seeders/execute'), {
      headers: [...auth(), 'Content-Type: application/json'],
      data: `{
    "create_backup": true
  }`,
    });
    expect(response.status, response.text).toBe(200);
    const body = response.body;
    expect(body).toMatchObject({ success: true, backup_created: true, dry_run: false });
    expect(Object.keys(body.results.seeders)).toEqual(SEEDERS);
    for (const name of SEEDERS)
      expect(body.results.seeders[name]).toMatchObject({
        status: 'completed',
        created: 0,
        updated: 0,
        deleted: 0,
      });
    expect(body.results.total).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(body.warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/still uses the published default password/)]),
    );
    executionId = body.execution_id;
    backupKey = body.backup_s3_key;
    expect(backupKey).toMatch(
      new RegExp(`^database-backups/\\d{8}_\\d{6}_execution_${executionId}\\.json\\.gz$`),
    );
  });

  it('5. view execution history (and the Monitoring / Best Practices variants)', async () => {
    const response = await curl('GET', api('/api/v1/seeders/?skip=0&limit=50'), { headers: auth() });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ skip: 0, limit: 50, total: 2 });
    expect(response.body.items.map((e: { id: number }) => e.id)).toEqual([executionId, executionId - 1]);
    expect(response.body.items[0]).toMatchObject({
      id: executionId,
      command: 'run',
      status: 'completed',
      source: 'api',
      user_id: 1,
      triggered_by: 'api:user:1',
      backup: { key: backupKey, status: 'completed' },
    });
    expect(response.body.items[1]).toMatchObject({ source: 'cli', user_id: null });
    const monitoring = await curl('GET', api('/api/v1/seeders/'), { headers: auth() });
    expect(monitoring.body.items).toEqual(response.body.items);
    const latest = await curl('GET', api('/api/v1/seeders/?limit=1'), { headers: auth() });
    expect(latest.body).toMatchObject({ total: 2, skip: 0, limit: 1, items: [{ id: executionId }] });
  });

  it('6. get one execution', async () => {
    const response = await curl('GET', api(`/api/v1/seeders/${executionId}`), { headers: auth() });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: executionId,
      status: 'completed',
      user_id: 1,
      results: { total: { created: 0, updated: 0, deleted: 0 } },
      error: null,
    });
  });

  it('4. restore from execution ID puts back what changed since its backup', async () => {
    await db.query("delete from sms_templates where name = 'order_delivered'");
    expect(await templateCount()).toBe(3);
    const response = await curl('POST', api('/api/v1/seeders/restore'), {
      headers: [...auth(), 'Content-Type: application/json'],
      data: `{
    "execution_id": ${executionId}
  }`,
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      success: true,
      key: backupKey,
      tables: { sms_templates: 4, users: 1, permissions: 23 },
    });
    expect(response.body.safety_backup_key).toMatch(/^database-backups\/.*\.json\.gz$/);
    expect(await templateCount()).toBe(4);
    const record = await curl('GET', api(`/api/v1/seeders/${response.body.execution_id}`), {
      headers: auth(),
    });
    expect(record.body).toMatchObject({
      command: 'restore',
      status: 'completed',
      user_id: 1,
      source: 'api',
      restored_key: backupKey,
    });
  });

  it('4. restore from the latest backup ({}) and from a specific key', async () => {
    await db.query("delete from sms_templates where name = '2fa_code'");
    const latest = await curl('POST', api('/api/v1/seeders/restore'), {
      headers: [...auth(), 'Content-Type: application/json'],
      data: '{}',
    });
    expect(latest.status, latest.text).toBe(200);
    expect(latest.body.key).toBe(backupKey); // a restore's own safety backup is never "latest"
    expect(await templateCount()).toBe(4);
    await db.query("delete from sms_templates where name = 'password_reset'");
    const byKey = await curl('POST', api('/api/v1/seeders/restore'), {
      headers: [...auth(), 'Content-Type: application/json'],
      data: `{
    "s3_key": "${backupKey}"
  }`,
    });
    expect(byKey.status, byKey.text).toBe(200);
    expect(byKey.body.key).toBe(backupKey);
    expect(await templateCount()).toBe(4);
  });

  it('3. reset the database: backed up, emptied and reseeded, recorded for this user', async () => {
    await db.query("insert into sms_templates (name, body) values ('extra', 'not seeded')");
    const response = await curl('POST', api('/api/v1/seeders/reset'), { headers: auth() });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      success: true,
      backup_created: true,
      results: { total: { created: 33 } },
    });
    expect(response.body.backup_s3_key).toMatch(/^database-backups\//);
    expect(await templateCount()).toBe(4);
    const [row] = await db.query<{ command: string; user_id: number; source: string }>(
      'select command, user_id, source from seeder_executions where id = $1',
      [response.body.execution_id],
    );
    expect(row).toEqual({ command: 'reset', user_id: 1, source: 'api' });
  });

  it('security 1. change the default password: the old token stops working', async () => {
    // The reset recreated the super-admin (new id): its old token belongs to no one now.
    const stale = await curl('GET', api('/api/v1/seeders/'), { headers: auth() });
    expect(stale.status).toBe(401);
    const login = await curl('POST', api('/api/v1/auth/login'), {
      data: '{"email": "admin@foodfleet.com", "password": "SuperAdmin@123"}',
    });
    expect(login.status, login.text).toBe(200);
    TOKEN = login.body.access_token;

    const response = await curl('POST', api('/api/v1/auth/password/change'), {
      headers: auth(),
      data: `{
    "current_password": "SuperAdmin@123",
    "new_password": "NewSecurePassword123!"
  }`,
    });
    expect(response.status, response.text).toBe(200);
    const old = await curl('GET', api('/api/v1/seeders/'), { headers: auth() });
    expect(old.status).toBe(401);
    expect(old.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(
      (
        await curl('POST', api('/api/v1/auth/login'), {
          data: `{"email": "admin@foodfleet.com", "password": "${DEFAULT_PASSWORD}"}`,
        })
      ).status,
    ).toBe(401);
    const fresh = await curl('POST', api('/api/v1/auth/login'), {
      data: '{"email": "admin@foodfleet.com", "password": "NewSecurePassword123!"}',
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body.warning).toBeUndefined();
  });

  it('disaster recovery 3: /health with a token, then SIGTERM stops the server cleanly', async () => {
    const health = await curl('GET', api('/health'), { headers: auth() });
    expect(health.body).toEqual({ status: 'ok', database: 'ok' });
    const result = await serve.cli.kill('SIGTERM');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Stopped; every request finished/);
  });
});
