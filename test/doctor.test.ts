import { type LifecycleRule, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { existsSync, readdirSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketSettingFinding } from '../src/doctor/s3-settings.js';
import { knownMigrations } from '../src/migrations/migrate.js';
import type { S3Config } from '../src/backup/stores/s3-client.js';
import { pgbouncerAvailable, startPgBouncer, type RunningPgBouncer } from './support/pgbouncer.js';
import {
  createBucket,
  pgAdminUrl,
  freshDatabase,
  runCli,
  s3Client,
  tempDir,
  type CliResult,
  type FreshDatabase,
  type TestBucket,
} from './support/index.js';
import { dropRoleAndDatabase, urlAs } from './support/roles.js';
import { pgEnv } from './support/seeded-rows.js';
import { startServe } from './server-harness.js';
import { uniqueName } from './support/unique.js';

/** How many migrations the tool ships (both sets): what doctor counts as pending on a fresh database. */
const MIGRATIONS = knownMigrations('public').reduce((sum, set) => sum + set.names.length, 0);

/**
 * `doctor` through the CLI: one line per check, `--json` as `{checks, ok}`, exit 1 only when a
 * check is ✗ — and nothing changed: no migration, no execution row, no embedded data folder, no
 * probe object or file left behind.
 */
interface DoctorDocument {
  checks: Array<{ name: string; status: 'ok' | 'warn' | 'fail'; detail: string }>;
  ok: boolean;
}

const PASSWORD = 'doctor-test-password';
const TOKEN_SECRET = 'a-token-secret-of-more-than-thirty-two-characters';

async function doctor(env: Record<string, string | undefined>, cwd?: string, args: string[] = []) {
  const result = await runCli(['doctor', '--json', ...args], { env, ...(cwd ? { cwd } : {}) });
  const document = result.json<DoctorDocument>();
  return { result, document, check: (name: string) => document.checks.find((c) => c.name === name) };
}

/** The JSON shape, and the exit code the ✗ rule gives. */
function expectWellFormed(result: CliResult, document: DoctorDocument): void {
  expect(Object.keys(document).sort()).toEqual(['checks', 'ok']);
  for (const check of document.checks) {
    expect(Object.keys(check).sort()).toEqual(['detail', 'name', 'status']);
    expect(['ok', 'warn', 'fail']).toContain(check.status);
    expect(check.detail.length).toBeGreaterThan(0);
  }
  const failed = document.checks.some((c) => c.status === 'fail');
  expect(document.ok).toBe(!failed);
  expect(result.code, result.stderr).toBe(failed ? 1 : 0);
}

async function toolTables(db: FreshDatabase): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `select table_schema || '.' || table_name as name from information_schema.tables
      where table_name like 'foodfleet_seed%' or table_name = 'seeder_executions' order by 1`,
  );
  return rows.map((r) => r.name);
}

async function bucketKeys(bucket: TestBucket): Promise<string[]> {
  const client = s3Client();
  try {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket.name }));
    return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
  } finally {
    client.destroy();
  }
}

describe('PostgreSQL and S3 (s3rver)', () => {
  let db: FreshDatabase;
  let bucket: TestBucket;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    db = await freshDatabase('doctor');
    bucket = await createBucket('doctor');
    env = pgEnv(db, 'public', { ...bucket.env });
  });
  afterAll(() => db?.close());

  it('on a fresh database: reports pending migrations, migrates nothing, leaves no probe object', async () => {
    const { result, document, check } = await doctor(env);
    expectWellFormed(result, document);
    expect(check('database.connection')).toMatchObject({ status: 'ok' });
    expect(check('database.connection')?.detail).toMatch(/PostgreSQL \d+/);
    expect(check('database.pooler')?.status).toBe('ok');
    expect(check('database.migrations')).toMatchObject({ status: 'warn' });
    expect(check('database.migrations')?.detail).toContain(
      `${MIGRATIONS} of ${MIGRATIONS} migrations pending`,
    );
    expect(check('database.privileges')?.status).toBe('ok');
    expect(check('database.temporary')?.status).toBe('ok');
    expect(check('database.advisory-lock')?.status).toBe('ok');
    expect(check('store.bucket')?.status).toBe('ok');
    expect(check('store.region')?.status).toBe('ok');
    expect(check('store.probe')).toMatchObject({ status: 'ok' });
    // s3rver implements neither (NotImplemented): reported, not a crash. It answers the versioning
    // request with a bucket listing, which reads as versioning never enabled.
    for (const setting of ['store.encryption', 'store.lifecycle'])
      expect(check(setting)).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('not supported by this endpoint'),
      });
    expect(check('store.versioning')?.status).toBe('warn');
    expect(await toolTables(db)).toEqual([]);
    expect(await bucketKeys(bucket)).toEqual([]);
    // No secret in the report.
    expect(result.stdout).not.toContain(bucket.env.AWS_SECRET_ACCESS_KEY);
  });

  it('prints one ✓ / ! / ✗ line per check without --json', async () => {
    const result = await runCli(['doctor'], { env });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n').filter((line) => /^[✓!✗] /.test(line));
    expect(lines.some((l) => l.startsWith('✓ store.probe: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('! database.migrations: '))).toBe(true);
    expect(result.stdout).toMatch(/0 failed, \d+ warnings?, \d+ checks\./);
  });

  describe('after a run', () => {
    let executions: number;
    let keys: string[];

    beforeAll(async () => {
      const run = await runCli(['run', '--json'], { env });
      expect(run.code, run.stderr).toBe(0);
      executions = (await db.query('select id from seeder_executions')).length;
      keys = await bucketKeys(bucket);
    });

    it('reports every migration applied and the default super-admin password (!), and records nothing', async () => {
      const { result, document, check } = await doctor(env);
      expectWellFormed(result, document);
      expect(check('database.migrations')).toMatchObject({
        status: 'ok',
        detail: `all ${MIGRATIONS} migrations applied`,
      });
      expect(check('security.superadmin-password')).toMatchObject({ status: 'warn' });
      expect(check('security.superadmin-password')?.detail).toContain('published default password');
      expect((await db.query('select id from seeder_executions')).length).toBe(executions);
      expect(await bucketKeys(bucket)).toEqual(keys);
    });

    it('fails (exit 1) on the default password under NODE_ENV=production', async () => {
      const { result, document, check } = await doctor({
        ...env,
        NODE_ENV: 'production',
        SEED_TOKEN_SECRET: TOKEN_SECRET,
      });
      expectWellFormed(result, document);
      expect(result.code).toBe(1);
      expect(check('security.superadmin-password')?.status).toBe('fail');
      expect(check('security.token-secret')?.status).toBe('ok');
      expect(result.stdout).not.toContain(TOKEN_SECRET);
    });

    it("a check waiting behind another session's lock is ✗ after --timeout, and doctor ends", async () => {
      const holder = new pg.Client({ connectionString: db.url });
      await holder.connect();
      try {
        await holder.query('begin');
        await holder.query('lock table users in access exclusive mode');
        const { result, document, check } = await doctor(env, undefined, ['--timeout', '2']);
        expect(result.timedOut).toBe(false);
        expectWellFormed(result, document);
        expect(check('security.superadmin-password')?.status).toBe('fail');
        expect(check('database.migrations')?.status).toBe('ok');
      } finally {
        await holder.query('rollback').catch(() => undefined);
        await holder.end();
      }
    });

    it('a changed password passes', async () => {
      const bcrypt = (await import('bcryptjs')).default;
      await db.query('update users set password_hash = $1 where username = $2', [
        await bcrypt.hash('Another-Passw0rd!', 4),
        'superadmin',
      ]);
      const { check } = await doctor({ ...env, NODE_ENV: 'production', SEED_TOKEN_SECRET: TOKEN_SECRET });
      expect(check('security.superadmin-password')?.status).toBe('ok');
    });
  });
});

describe('security settings', () => {
  it('a missing token secret warns, and fails under NODE_ENV=production', async () => {
    const development = await doctor({}, tempDir());
    expect(development.check('security.token-secret')?.status).toBe('warn');
    const production = await doctor({ NODE_ENV: 'production' }, tempDir());
    expectWellFormed(production.result, production.document);
    expect(production.check('security.token-secret')?.status).toBe('fail');
    // Nothing would create the super-admin with a password of its own: `run` would refuse.
    expect(production.check('security.production')?.status).toBe('fail');
  });

  it('a token secret shorter than 32 characters is reported, the other checks still run, the value is not printed', async () => {
    const short = 'short-secret-value';
    const { result, document, check } = await doctor({ SEED_TOKEN_SECRET: short }, tempDir());
    expectWellFormed(result, document);
    expect(check('security.token-secret')).toMatchObject({ status: 'fail' });
    expect(check('database.connection')?.status).toBe('ok');
    expect(result.stdout + result.stderr).not.toContain(short);
  });
});

describe('a role without CREATE and TEMPORARY', () => {
  let own: FreshDatabase;
  let role: string;

  beforeAll(async () => {
    own = await freshDatabase('doctor-restricted');
    role = uniqueName('ffs', 'doctor', '_');
    await own.query(`create role ${role} login password '${PASSWORD}'`);
    await own.query(`revoke temporary, create on database ${own.name} from public`);
    await own.query('revoke create on schema public from public');
  });
  afterAll(() => dropRoleAndDatabase(own, role));

  it('fails on CREATE (migrations pending), warns on TEMPORARY, exit 1', async () => {
    const { result, document, check } = await doctor(
      pgEnv(own, 'public', { DATABASE_URL: urlAs(own, role, PASSWORD) }),
      tempDir(),
    );
    expectWellFormed(result, document);
    expect(result.code).toBe(1);
    expect(check('database.privileges')).toMatchObject({ status: 'fail' });
    expect(check('database.privileges')?.detail).toContain(`GRANT CREATE ON SCHEMA public TO ${role}`);
    expect(check('database.temporary')).toMatchObject({ status: 'warn' });
    expect(check('database.advisory-lock')?.status).toBe('ok');
    expect(result.stdout).not.toContain(PASSWORD);
  });

  it('needs CREATE on the database when the schema does not exist', async () => {
    const { check } = await doctor(
      pgEnv(own, 'not_there_yet', { DATABASE_URL: urlAs(own, role, PASSWORD) }),
      tempDir(),
    );
    expect(check('database.privileges')).toMatchObject({ status: 'fail' });
    expect(check('database.privileges')?.detail).toContain(`GRANT CREATE ON DATABASE ${own.name} TO ${role}`);
    expect(await own.query(`select 1 from pg_namespace where nspname = 'not_there_yet'`)).toEqual([]);
  });
});

describe('an unreachable database', () => {
  let server: NetServer;
  let port: number;

  beforeAll(async () => {
    // A port that refuses: bound, then closed.
    server = createNetServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('is ✗ with exit 1 and the JSON shape; the other checks still run', async () => {
    const { result, document, check } = await doctor(
      { DATABASE_URL: `postgres://someone:${PASSWORD}@127.0.0.1:${port}/nowhere` },
      tempDir(),
    );
    expectWellFormed(result, document);
    expect(result.code).toBe(1);
    expect(document.ok).toBe(false);
    expect(check('database.connection')?.status).toBe('fail');
    expect(check('database.connection')?.detail).toContain('ECONNREFUSED');
    expect(check('store.folder')?.status).toBe('ok');
    expect(result.stdout).not.toContain(PASSWORD);
  });
});

describe('the embedded default and a local backup folder', () => {
  it('reports the embedded database as not created yet and creates no data folder', async () => {
    const cwd = tempDir('foodfleet-doctor-');
    const { result, document, check } = await doctor({}, cwd);
    expectWellFormed(result, document);
    expect(result.code).toBe(0);
    expect(check('database.connection')).toMatchObject({ status: 'ok' });
    expect(check('database.connection')?.detail).toContain('not created yet (first `run` creates it)');
    expect(check('store.folder')?.detail).toContain('does not exist yet');
    expect(existsSync(path.join(cwd, '.foodfleet-seed', 'db'))).toBe(false);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('checks a backup folder with a backup in it: writable, free space against that backup, no probe left', async () => {
    const cwd = tempDir('foodfleet-doctor-');
    const backups = tempDir('foodfleet-doctor-backups-');
    const run = await runCli(['run', '--json'], {
      cwd,
      env: { SEED_BACKUP_DIR: backups },
      timeoutMs: 90_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const before = readdirSync(path.join(backups, 'database-backups')).sort();
    const { result, document, check } = await doctor({ SEED_BACKUP_DIR: backups }, cwd);
    expectWellFormed(result, document);
    expect(check('database.connection')?.detail).toContain('embedded PostgreSQL');
    expect(check('database.migrations')?.status).toBe('ok');
    expect(check('store.folder')).toMatchObject({ status: 'ok' });
    expect(check('store.folder')?.detail).toContain('writable');
    expect(check('store.space')?.detail).toContain('the last backup took');
    expect(readdirSync(path.join(backups, 'database-backups')).sort()).toEqual(before);

    // Another process (serve) has the embedded database open: reported at once, not waited for.
    const serve = await startServe({ SEED_BACKUP_DIR: backups }, [], cwd);
    try {
      const busy = await doctor({ SEED_BACKUP_DIR: backups, SEED_LOCK_TIMEOUT: '600' }, cwd);
      expect(busy.result.timedOut).toBe(false);
      expectWellFormed(busy.result, busy.document);
      expect(busy.check('database.connection')).toMatchObject({ status: 'warn' });
      expect(busy.check('database.connection')?.detail).toContain('Another foodfleet-seed process');
    } finally {
      await serve.cli.kill();
    }
  }, 120_000);
});

describe('a hanging S3 endpoint', () => {
  let server: NetServer;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts connections and never answers.
    server = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('does not hang doctor: the check is ✗ after --timeout and doctor ends', async () => {
    const { port } = server.address() as { port: number };
    const { result, document, check } = await doctor(
      {
        S3_BUCKET_NAME: 'hanging-bucket',
        S3_ENDPOINT: `http://127.0.0.1:${port}`,
        S3_FORCE_PATH_STYLE: 'true',
        S3_TIMEOUT: '600',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'doctor',
        AWS_SECRET_ACCESS_KEY: 'doctor-secret',
      },
      tempDir(),
      ['--timeout', '1'],
    );
    expect(result.timedOut).toBe(false);
    expectWellFormed(result, document);
    expect(check('store.bucket')).toMatchObject({ status: 'fail' });
    expect(check('store.bucket')?.detail).toContain('no answer within 1 s');
  });
});

describe('an S3 endpoint that denies access', () => {
  let server: HttpServer;
  let endpoint: string;
  /** What the endpoint lets through besides seeing the bucket and its location. */
  let allowPut = false;
  const requests: string[] = [];

  beforeAll(async () => {
    // Lets the bucket be seen; denies the bucket's settings, and objects unless `allowPut`.
    server = createHttpServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      requests.push(`${request.method} ${url.pathname}${url.search}`);
      const xml = (status: number, body: string) => {
        response.writeHead(status, { 'content-type': 'application/xml' });
        response.end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
      };
      request.resume();
      if (request.method === 'HEAD') return void response.writeHead(200).end();
      if (request.method === 'GET' && url.searchParams.has('location'))
        return xml(
          200,
          '<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>',
        );
      if (allowPut && request.method === 'PUT')
        return void response.writeHead(200, { etag: '"probe"' }).end();
      if (allowPut && request.method === 'POST' && url.searchParams.has('delete'))
        return xml(200, '<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></DeleteResult>');
      xml(403, '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const deniedEnv = () => ({
    S3_BUCKET_NAME: 'denied-bucket',
    S3_ENDPOINT: endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'doctor',
    AWS_SECRET_ACCESS_KEY: 'doctor-secret',
  });

  it('names the missing IAM action for the probe and for each setting', async () => {
    allowPut = false;
    const { result, document, check } = await doctor(deniedEnv(), tempDir());
    expectWellFormed(result, document);
    expect(check('store.bucket')?.status).toBe('ok');
    expect(check('store.region')?.status).toBe('ok');
    expect(check('store.probe')).toMatchObject({ status: 'fail' });
    expect(check('store.probe')?.detail).toContain('needs s3:PutObject');
    expect(check('store.encryption')?.detail).toBe(
      'encryption: cannot check (needs s3:GetEncryptionConfiguration)',
    );
    expect(check('store.versioning')?.detail).toBe('versioning: cannot check (needs s3:GetBucketVersioning)');
    expect(check('store.lifecycle')?.detail).toBe(
      'lifecycle: cannot check (needs s3:GetLifecycleConfiguration)',
    );
    expect(result.stdout).not.toContain('doctor-secret');
  });

  it('a probe that was stored but cannot be read names s3:GetObject and is deleted again', async () => {
    allowPut = true;
    requests.length = 0;
    const { result, document, check } = await doctor(deniedEnv(), tempDir());
    expectWellFormed(result, document);
    expect(check('store.probe')).toMatchObject({ status: 'fail' });
    expect(check('store.probe')?.detail).toContain('needs s3:GetObject');
    const put = requests.find((r) =>
      r.startsWith('PUT /denied-bucket/database-backups/foodfleet-seed-doctor-probe-'),
    );
    expect(put).toBeDefined();
    expect(requests.filter((r) => r.startsWith('POST '))).toEqual(['POST /denied-bucket/?delete=']);
  });
});

describe.skipIf(!pgbouncerAvailable())('a PgBouncer in transaction mode', () => {
  let db: FreshDatabase;
  let bouncer: RunningPgBouncer;

  beforeAll(async () => {
    db = await freshDatabase('doctor-pooler');
    bouncer = await startPgBouncer(pgAdminUrl(), { poolMode: 'transaction', poolSize: 1 });
  });
  afterAll(async () => {
    await bouncer?.stop();
    await db?.close();
  });

  it('is ✗ with the POOLER_UNSUPPORTED message, not a crash', async () => {
    const { result, document, check } = await doctor(
      pgEnv(db, 'public', { DATABASE_URL: bouncer.url(db.url) }),
      tempDir(),
    );
    expectWellFormed(result, document);
    expect(result.code).toBe(1);
    expect(check('database.connection')).toMatchObject({ status: 'fail' });
    expect(check('database.connection')?.detail).toMatch(/transaction \(or statement\) pooling/);
    expect(check('database.connection')?.detail).toContain('docs/poolers.md');
  });
});

describe('lifecycle rules (how a GetBucketLifecycleConfiguration answer is read)', () => {
  const abort = { DaysAfterInitiation: 7 };
  const read = (rules: LifecycleRule[], prefix = 'database-backups/') =>
    bucketSettingFinding.lifecycle({ Rules: rules, $metadata: {} }, prefix).status;

  it('counts an enabled rule whose prefix covers the backup prefix', () => {
    expect(read([{ Status: 'Enabled', Filter: {}, AbortIncompleteMultipartUpload: abort }])).toBe('ok');
    expect(
      read([{ Status: 'Enabled', Filter: { Prefix: 'database' }, AbortIncompleteMultipartUpload: abort }]),
    ).toBe('ok');
    expect(
      read([
        {
          Status: 'Enabled',
          Filter: { And: { Prefix: 'database-backups/' } },
          AbortIncompleteMultipartUpload: abort,
        },
      ]),
    ).toBe('ok');
  });

  it('ignores disabled rules, rules for another prefix and rules without the abort action', () => {
    expect(read([{ Status: 'Disabled', Filter: {}, AbortIncompleteMultipartUpload: abort }])).toBe('warn');
    expect(
      read([{ Status: 'Enabled', Filter: { Prefix: 'logs/' }, AbortIncompleteMultipartUpload: abort }]),
    ).toBe('warn');
    expect(read([{ Status: 'Enabled', Filter: {}, Expiration: { Days: 30 } }])).toBe('warn');
    expect(read([])).toBe('warn');
  });

  it('reads a bucket without encryption as covered when backup.s3.sse asks for it per object', () => {
    const s3 = {
      bucket: 'b',
      region: 'us-east-1',
      prefix: 'p/',
      forcePathStyle: false,
      timeout: 60,
      partSizeMb: 16,
    } as S3Config;
    const error = Object.assign(new Error('none'), {
      name: 'ServerSideEncryptionConfigurationNotFoundError',
    });
    expect(bucketSettingFinding.absent(error, 'encryption', s3)?.status).toBe('warn');
    expect(bucketSettingFinding.absent(error, 'encryption', { ...s3, sse: 'AES256' })?.status).toBe('ok');
  });
});
