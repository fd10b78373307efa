import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBucket,
  freshDatabase,
  runCli,
  s3Client,
  tempDir,
  type FreshDatabase,
  type TestBucket,
} from './support/index.js';

/**
 * `backup`, `backups`, `backups verify`, `backups prune` and the backup `run` takes, through the
 * CLI: PostgreSQL + S3 (s3rver) and the embedded database + local folder.
 */

const KEY = /^database-backups\/\d{8}_\d{6}_execution_\d+\.json\.gz$/;
const META = '__foodfleet_seed__';

interface BackupJson {
  execution_id: number;
  key: string;
  size: number;
  sha256: string;
  tables: Record<string, number>;
}

interface Metadata {
  format_version: number;
  execution_id: number;
  schema: string;
  tables: Array<{
    name: string;
    columns: Array<{ name: string; type: string; not_null: boolean; has_default: boolean }>;
  }>;
  sequences: Array<{
    name: string;
    table: string | null;
    column: string | null;
    last_value: string;
    is_called: boolean;
  }>;
}

interface Manifest {
  key: string;
  size: number;
  sha256: string;
  uncompressed_size: number;
  execution_id: number | null;
  taken_by: string;
  created_at: string;
  tables: Record<string, number>;
  format_version: number;
}

interface ListJson {
  items: Array<{
    key: string;
    created_at: string;
    size: number;
    execution_id: number | null;
    taken_by: string;
  }>;
  total: number;
}

type Doc = Record<string, unknown> & { [META]: Metadata };

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const parseDoc = (gz: Buffer): Doc => JSON.parse(gunzipSync(gz).toString('utf8')) as Doc;
const rowsOf = (doc: Doc, table: string) => doc[table] as Array<Record<string, string | null>>;

async function getObject(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(
    await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

async function putObject(s3: S3Client, bucket: string, key: string, body: Buffer | string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

function manifestFor(key: string, body: Buffer, overrides: Partial<Manifest> = {}): Manifest {
  let uncompressed = 0;
  try {
    uncompressed = gunzipSync(body).length;
  } catch {
    // not gzip: the test says what it wants
  }
  return {
    format_version: 1,
    key,
    created_at: new Date().toISOString(),
    execution_id: 1,
    taken_by: 'backup',
    size: body.length,
    sha256: sha256(body),
    uncompressed_size: uncompressed,
    tables: {},
    ...overrides,
  };
}

/** The one line the CLI prints on stderr for a failure. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('Error: '));
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

/** A 127.0.0.1 port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const BYTES_0_255 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const TRICKY_TEXT = 'tab\there "quoted" back\\slash\nnew line é ünïcödé 😀 \u0001 </script>';

describe('PostgreSQL + S3', () => {
  let db: FreshDatabase;
  let bucket: TestBucket;
  let s3: S3Client;
  let env: Record<string, string>;
  let backup: BackupJson;
  let doc: Doc;
  let stderr: string;

  beforeAll(async () => {
    db = await freshDatabase('backup');
    bucket = await createBucket('backup');
    s3 = s3Client();
    env = { DATABASE_URL: db.url, ...bucket.env };
    const seeded = await runCli(['run', '--json'], { env });
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(seeded.json<{ backup_created: boolean }>().backup_created).toBe(true);
    await createFixtureTables(db);
    const result = await runCli(['backup', '--json', '--log-format', 'json'], { env });
    expect(result.code, result.stderr).toBe(0);
    backup = result.json<BackupJson>();
    stderr = result.stderr;
    doc = parseDoc(await getObject(s3, bucket.name, backup.key));
  });

  afterAll(async () => {
    s3?.destroy();
    await db?.close();
  });

  it('backup --json prints the execution, key, size, sha256 and rows per table; events go to stderr', async () => {
    expect(backup.key).toMatch(KEY);
    expect(backup.key).toContain(`_execution_${backup.execution_id}.json.gz`);
    const object = await getObject(s3, bucket.name, backup.key);
    expect(object.length).toBe(backup.size);
    expect(sha256(object)).toBe(backup.sha256);
    for (const [table, rows] of Object.entries(backup.tables)) {
      const [count] = await db.query<{ n: string }>(
        `select count(*) as n from public."${table.replace(/"/g, '""')}"`,
      );
      expect(rows, table).toBe(Number(count?.n));
    }
    const events = stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: string; key?: string });
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['backup_started', 'backup_completed']),
    );
    expect(events.find((e) => e.event === 'backup_completed')?.key).toBe(backup.key);
  });

  it('covers every base table once — partitions through their parent — and never the tool’s own tables', () => {
    const tables = Object.keys(backup.tables);
    expect(tables).toEqual(
      expect.arrayContaining([
        'permissions',
        'roles',
        'role_permissions',
        'users',
        'user_roles',
        'sms_templates',
        'all_types',
        'events',
        'tickets',
        'wide',
        'users"; DROP TABLE roles; --',
      ]),
    );
    expect(tables.filter((t) => t.startsWith('events_'))).toEqual([]);
    expect(
      tables.filter((t) => t.startsWith('seeder_executions') || t.startsWith('foodfleet_seed_')),
    ).toEqual([]);
    expect(backup.tables.events).toBe(3);
    expect(Object.keys(doc)[0]).toBe(META);
    expect(Object.keys(doc).slice(1)).toEqual(doc[META].tables.map((t) => t.name));
  });

  it('stores every value as PostgreSQL’s own text form in a JSON string (NULL as null)', async () => {
    const [money] = await db.query<{ m: string }>(`select '1234.56'::money::text as m`);
    const [full, empty, other] = rowsOf(doc, 'all_types');
    expect(full).toEqual({
      id: '1',
      i8: '9223372036854775807',
      num: '12345678901234567890.123456789012345678901234567890',
      f4: '3.4028235e+38',
      f8: '1.7976931348623157e+308',
      ts: '2024-02-29 23:59:59.123456',
      tstz: '2024-02-29 23:59:59.123456+00',
      d: '2024-02-29',
      t: '23:59:59.999999',
      ttz: '12:00:00+05:30',
      iv: '1 year 2 mons 3 days 04:05:06.789',
      b: `\\x${BYTES_0_255.toString('hex')}`,
      j: '{"a": 2.50, "a": 1}',
      jb: '{"a": 1, "b": 2.50}',
      arr: '{NULL,1}',
      arr2: '{{1,2},{3,4}}',
      nums: '{1.10,NaN}',
      moods: '{happy,sad}',
      m: 'ok',
      dom: '21',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      ip: '10.0.0.1',
      net: '10.0.0.0/8',
      bits: '101',
      pt: '(1.5,-2)',
      tsv: "'a' 'cat' 'fat'",
      cash: money?.m,
      flag: 't',
      c4: 'ab  ',
      txt: TRICKY_TEXT,
    });
    expect(Object.values(empty ?? {}).filter((v) => v !== null)).toEqual(['2']);
    expect(other).toMatchObject({
      i8: '-9223372036854775808',
      num: 'NaN',
      f4: '-0',
      f8: '-Infinity',
      ts: 'infinity',
      tstz: '-infinity',
      j: 'null',
      ip: '::1',
      flag: 'f',
    });
    expect(empty?.j).toBeNull();
  });

  it('leaves generated columns out, keeps column order past 100 columns, quotes hostile identifiers', async () => {
    const meta = doc[META];
    const allTypes = meta.tables.find((t) => t.name === 'all_types');
    expect(allTypes?.columns.map((c) => c.name)).not.toContain('doubled');
    expect(allTypes?.columns.find((c) => c.name === 'moods')?.type).toBe('public.mood[]');
    const wide = rowsOf(doc, 'wide')[0] ?? {};
    expect(Object.keys(wide)).toEqual(Array.from({ length: 120 }, (_, i) => `c${i + 1}`));
    expect(wide.c120).toBe('v120');
    expect(rowsOf(doc, 'users"; DROP TABLE roles; --')).toEqual([{ 'we"ird': 'x' }]);
    const [roles] = await db.query<{ n: string }>('select count(*) as n from roles');
    expect(Number(roles?.n)).toBe(5);
  });

  it('saves identity, serial and default-referenced sequences exactly (last_value, is_called)', () => {
    const sequences = doc[META].sequences;
    expect(sequences).toEqual(
      expect.arrayContaining([
        {
          name: 'public.all_types_id_seq',
          table: 'all_types',
          column: 'id',
          last_value: '3',
          is_called: true,
        },
        { name: 'public.events_id_seq', table: 'events', column: 'id', last_value: '3', is_called: true },
        { name: 'public.ticket_seq', table: 'tickets', column: 'id', last_value: '2', is_called: true },
        { name: 'public.unused_id_seq', table: 'unused', column: 'id', last_value: '1', is_called: false },
      ]),
    );
    expect(sequences.map((s) => s.name)).not.toContain('public.seeder_executions_id_seq');
  });

  it('writes the manifest after the object and records the backup on the execution', async () => {
    const manifest = JSON.parse(
      (await getObject(s3, bucket.name, `${backup.key}.manifest.json`)).toString('utf8'),
    ) as Manifest;
    expect(manifest).toMatchObject({
      key: backup.key,
      size: backup.size,
      sha256: backup.sha256,
      tables: backup.tables,
      taken_by: 'backup',
      execution_id: backup.execution_id,
    });
    expect(manifest.uncompressed_size).toBe(gunzipSync(await getObject(s3, bucket.name, backup.key)).length);
    const shown = await runCli(['show', String(backup.execution_id), '--json'], { env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json<{ command: string; status: string; backup: unknown }>()).toMatchObject({
      command: 'backup',
      status: 'completed',
      backup: {
        key: backup.key,
        size: backup.size,
        sha256: backup.sha256,
        status: 'completed',
        error: null,
        tables: backup.tables,
      },
    });
  });

  it('backups lists complete backups newest first; backups verify checks the latest', async () => {
    const listed = await runCli(['backups', '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    const list = listed.json<ListJson>();
    expect(list.total).toBe(2);
    expect(list.items.map((i) => [i.execution_id, i.taken_by])).toEqual([
      [backup.execution_id, 'backup'],
      [1, 'run'],
    ]);
    expect(list.items[0]).toMatchObject({ key: backup.key, size: backup.size });
    const verified = await runCli(['backups', 'verify', '--json'], {
      env: { ...env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
    });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.json()).toMatchObject({
      valid: true,
      key: backup.key,
      sha256: backup.sha256,
      tables: backup.tables,
    });
  });

  it('backup.include / backup.exclude narrow the scope; an unknown included table is a config error', async () => {
    const cwd = tempDir();
    writeFileSync(
      path.join(cwd, 'seedrc.json'),
      JSON.stringify({ backup: { include: ['roles', 'permissions'] } }),
    );
    const included = await runCli(['backup', '--json'], { env, cwd });
    expect(included.code, included.stderr).toBe(0);
    expect(Object.keys(included.json<BackupJson>().tables)).toEqual(['permissions', 'roles']);
    writeFileSync(path.join(cwd, 'seedrc.json'), JSON.stringify({ backup: { exclude: ['users', 'wide'] } }));
    const excluded = await runCli(['backup', '--json'], { env, cwd });
    expect(excluded.code, excluded.stderr).toBe(0);
    expect(excluded.json<BackupJson>().tables).not.toHaveProperty('users');
    expect(excluded.json<BackupJson>().tables).not.toHaveProperty('wide');
    expect(excluded.json<BackupJson>().tables).toHaveProperty('roles');
    writeFileSync(path.join(cwd, 'seedrc.json'), JSON.stringify({ backup: { include: ['no_such_table'] } }));
    const unknown = await runCli(['backup'], { env, cwd });
    expect(unknown.code).toBe(2);
    expect(errorLine(unknown.stderr)).toMatch(
      /backup\.include names tables that do not exist in schema public: no_such_table/,
    );
  });

  it('backup creates only the tool’s tracking table, never the FoodFleet tables', async () => {
    const result = await runCli(['backup', '--json'], { env: { ...env, DATABASE_SCHEMA: 'bare' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<BackupJson>().tables).toEqual({});
    const tables = await db.query<{ name: string }>(
      `select table_name as name from information_schema.tables where table_schema = 'bare' order by 1`,
    );
    expect(tables.map((t) => t.name).filter((n) => !n.startsWith('foodfleet_seed_'))).toEqual([
      'seeder_executions',
    ]);
  });

  it('row-level security makes the backup fail loudly instead of leaving rows out', async () => {
    const role = `ffs_rls_${Math.random().toString(36).slice(2, 10)}`;
    await db.query(`create role ${role} login password 'rls-pass-123'`);
    try {
      await db.query(`create schema rls authorization ${role}`);
      // migrateTracking's CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists.
      await db.query(`grant create on database ${db.name} to ${role}`);
      const url = new URL(db.url);
      url.username = role;
      url.password = 'rls-pass-123';
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      await client.query(`create table rls.secrets (id int primary key, v text);
        insert into rls.secrets values (1, 'visible'), (2, 'hidden');
        alter table rls.secrets enable row level security; alter table rls.secrets force row level security;
        create policy only_visible on rls.secrets using (v = 'visible')`);
      await client.end();
      const result = await runCli(['backup', '--json'], {
        env: { ...env, DATABASE_URL: url.toString(), DATABASE_SCHEMA: 'rls' },
      });
      expect(result.code).toBe(1);
      const failure = result.json<{ error: { code: string; message: string }; execution_id: number }>();
      expect(failure.error.code).toBe('BACKUP_FAILED');
      expect(failure.error.message).toMatch(
        /^Backup failed: could not read table "secrets": .*row-level security.*BYPASSRLS.*the database was not changed/s,
      );
      const [record] = await db.query<{ backup_status: string; status: string }>(
        'select status, backup_status from rls.seeder_executions where id = $1',
        [failure.execution_id],
      );
      expect(record).toEqual({ status: 'failed', backup_status: 'failed' });
    } finally {
      await db.query(`drop schema if exists rls cascade`);
      await db.query(`drop owned by ${role}`);
      await db.query(`drop role ${role}`);
    }
  });
});

describe('run when the backup cannot be taken (PostgreSQL)', () => {
  let db: FreshDatabase;
  let bucket: TestBucket;

  beforeAll(async () => {
    db = await freshDatabase('backup_fail');
    bucket = await createBucket('backup-fail');
    const seeded = await runCli(['run', '--json'], { env: { DATABASE_URL: db.url, ...bucket.env } });
    expect(seeded.code, seeded.stderr).toBe(0);
  });

  afterAll(async () => {
    await db?.close();
  });

  async function backupRecord(id: number) {
    const shown = await runCli(['show', String(id), '--json'], { env: { DATABASE_URL: db.url } });
    return shown.json<{
      status: string;
      backup: { status: string; key: string | null; error: string | null } | null;
    }>();
  }

  it('bucket missing: run proceeds, says backup_created false with a warning, records the backup as failed', async () => {
    const result = await runCli(['run', '--json'], {
      env: { DATABASE_URL: db.url, ...bucket.env, S3_BUCKET_NAME: `${bucket.name}-missing` },
    });
    expect(result.code, result.stderr).toBe(0);
    const run = result.json<{
      execution_id: number;
      backup_created: boolean;
      backup_s3_key: string | null;
      warnings: string[];
    }>();
    expect(run.backup_created).toBe(false);
    expect(run.backup_s3_key).toBeNull();
    expect(run.warnings.join('\n')).toMatch(/Backup failed: .*Seeding proceeds without a backup/s);
    expect(result.stderr).toMatch(/Warning: Backup failed/);
    const record = await backupRecord(run.execution_id);
    expect(record.status).toBe('completed');
    expect(record.backup).toMatchObject({ status: 'failed', key: null });
    expect(record.backup?.error).toMatch(/Backup failed/);
  });

  it('S3 unreachable: run proceeds within seconds with the warning', async () => {
    const started = Date.now();
    const result = await runCli(['run', '--json'], {
      env: { DATABASE_URL: db.url, ...bucket.env, S3_ENDPOINT: `http://127.0.0.1:${await closedPort()}` },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    const run = result.json<{ execution_id: number; backup_created: boolean; warnings: string[] }>();
    expect(run.backup_created).toBe(false);
    expect(run.warnings.join('\n')).toMatch(/Backup failed/);
    expect((await backupRecord(run.execution_id)).backup?.status).toBe('failed');
  });

  it('--require-backup aborts before any write: the data is unchanged', async () => {
    await db.query(`update roles set description = 'changed by the test' where name = 'admin'`);
    await db.query(`delete from sms_templates where name = (select min(name) from sms_templates)`);
    const before = await db.query(
      `select (select description from roles where name = 'admin') as d, (select count(*) from sms_templates) as n`,
    );
    const result = await runCli(['run', '--json', '--require-backup'], {
      env: { DATABASE_URL: db.url, ...bucket.env, S3_BUCKET_NAME: `${bucket.name}-missing` },
    });
    expect(result.code).toBe(1);
    const failure = result.json<{ error: { code: string; message: string }; execution_id: number }>();
    expect(failure.error.code).toBe('BACKUP_FAILED');
    expect(failure.error.message).toMatch(
      /--require-backup is set, so the run stopped before seeding: nothing was written/,
    );
    const after = await db.query(
      `select (select description from roles where name = 'admin') as d, (select count(*) from sms_templates) as n`,
    );
    expect(after).toEqual(before);
    const record = await backupRecord(failure.execution_id);
    expect(record.status).toBe('failed');
    expect(record.backup?.status).toBe('failed');
  });
});

describe('many backups, corrupted backups and prune (S3)', () => {
  let db: FreshDatabase;
  let bucket: TestBucket;
  let s3: S3Client;
  let env: Record<string, string>;
  let real: BackupJson;
  let realObject: Buffer;
  let realManifest: Manifest;

  beforeAll(async () => {
    db = await freshDatabase('backup_many');
    bucket = await createBucket('backup-many');
    s3 = s3Client();
    env = { DATABASE_URL: db.url, ...bucket.env };
    const seeded = await runCli(['run', '--no-backup'], { env });
    expect(seeded.code, seeded.stderr).toBe(0);
    const result = await runCli(['backup', '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    real = result.json<BackupJson>();
    realObject = await getObject(s3, bucket.name, real.key);
    realManifest = JSON.parse(
      (await getObject(s3, bucket.name, `${real.key}.manifest.json`)).toString('utf8'),
    ) as Manifest;
  });

  afterAll(async () => {
    s3?.destroy();
    await db?.close();
  });

  /** Stores `body` under `key` with a manifest describing it (overrides applied). */
  async function store(key: string, body: Buffer, overrides: Partial<Manifest> = {}): Promise<void> {
    await putObject(s3, bucket.name, key, body);
    await putObject(
      s3,
      bucket.name,
      `${key}.manifest.json`,
      JSON.stringify(manifestFor(key, body, overrides)),
    );
  }

  async function verifyFails(key: string): Promise<string> {
    // An unreachable database URL proves verification never touches the database.
    const result = await runCli(['backups', 'verify', '--key', key], {
      env: { ...env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
    });
    expect(result.code, result.stderr).toBe(1);
    return errorLine(result.stderr);
  }

  it('verify refuses each corrupted backup with a one-line reason', async () => {
    const key = (n: number) =>
      `database-backups/20010101_0000${String(n).padStart(2, '0')}_execution_${9000 + n}.json.gz`;
    const flipped = Buffer.from(realObject);
    flipped.writeUInt8(
      flipped.readUInt8(Math.floor(flipped.length / 2)) ^ 0xff,
      Math.floor(flipped.length / 2),
    );
    await store(key(1), flipped, { ...realManifest, key: key(1), size: flipped.length });
    expect(await verifyFails(key(1))).toMatch(
      /failed verification: its SHA-256 is [0-9a-f]{64} but the manifest records/,
    );

    const truncated = realObject.subarray(0, realObject.length - 20);
    await store(key(2), truncated, { ...realManifest, key: key(2) });
    expect(await verifyFails(key(2))).toMatch(
      /cannot be used: the stored object holds \d+ bytes but its manifest says \d+/,
    );

    await store(key(3), realObject, {
      ...realManifest,
      key: key(3),
      tables: { ...realManifest.tables, roles: 6 },
    });
    expect(await verifyFails(key(3))).toMatch(/table "roles" holds 5 rows but the manifest records 6/);

    const metadata = parseDoc(realObject)[META];
    const docOf = (text: string) => gzipSync(Buffer.from(text));
    await store(key(4), docOf(`{"${META}": nope}`));
    expect(await verifyFails(key(4))).toMatch(/it is not well-formed JSON/);

    await store(key(5), docOf('{"roles": []}'));
    expect(await verifyFails(key(5))).toMatch(
      /the first entry is "roles", not the "__foodfleet_seed__" metadata/,
    );

    const wrongType = docOf(
      `{"${META}": ${JSON.stringify({ ...metadata, tables: [{ name: 'roles', columns: [{ name: 'id', type: 'integer', not_null: true, has_default: true }] }] })}, "roles": [{"id": 1}]}`,
    );
    await store(key(6), wrongType, { execution_id: metadata.execution_id, tables: { roles: 1 } });
    expect(await verifyFails(key(6))).toMatch(
      /row 1 of table "roles", column "id": expected a string \(PostgreSQL text form\) or null, found a number/,
    );

    const unknownTable = docOf(
      `{"${META}": ${JSON.stringify({ ...metadata, tables: [] })}, "users\\"; DROP TABLE roles; --": []}`,
    );
    await store(key(7), unknownTable, { execution_id: metadata.execution_id });
    expect(await verifyFails(key(7))).toMatch(
      /table "users"; DROP TABLE roles; --" is not listed in the metadata/,
    );

    const bomb = gzipSync(
      Buffer.concat([Buffer.from(`{"${META}": "`), Buffer.alloc(64 * 1024 * 1024, 0x61), Buffer.from('"}')]),
      { level: 9 },
    );
    await store(key(8), bomb, { uncompressed_size: 1000 });
    expect(await verifyFails(key(8))).toMatch(/decompresses past the 1000 bytes its manifest records/);

    await store(key(9), Buffer.from('this is not gzip'));
    expect(await verifyFails(key(9))).toMatch(/it is not a valid gzip stream/);

    await putObject(s3, bucket.name, key(10), realObject);
    expect(await verifyFails(key(10))).toMatch(/it has no manifest, so it is incomplete/);

    expect(await verifyFails('database-backups/20010101_000099_execution_1.json.gz')).toMatch(
      /does not exist/,
    );
    const [roles] = await db.query<{ n: string }>('select count(*) as n from roles');
    expect(Number(roles?.n)).toBe(5);
  });

  it('lists and picks "latest" across more than 1,000 stored backups; a restore’s safety backup is never latest', async () => {
    const body = Buffer.from('not read by the listing');
    const keys = Array.from({ length: 1050 }, (_, i) => {
      const minute = String(Math.floor(i / 60)).padStart(2, '0');
      const second = String(i % 60).padStart(2, '0');
      return `database-backups/20200101_00${minute}${second}_execution_${100000 + i}.json.gz`;
    });
    for (let start = 0; start < keys.length; start += 25) {
      await Promise.all(keys.slice(start, start + 25).map((key) => store(key, body, { taken_by: 'run' })));
    }
    await store('database-backups/20990101_000000_execution_999999.json.gz', body, { taken_by: 'restore' });
    const listed = await runCli(['backups', '--limit', '3', '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    const list = listed.json<ListJson>();
    expect(list.total).toBe(1050 + 1 + 1 + 9); // + the restore safety backup, the real one, the corrupted ones with a manifest
    expect(list.items.map((i) => i.key)).toEqual([
      'database-backups/20990101_000000_execution_999999.json.gz',
      real.key,
      expect.stringContaining('20200101_001729'),
    ]);
    const verified = await runCli(['backups', 'verify', '--json'], { env });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.json<{ key: string }>().key).toBe(real.key);
  });

  it('prune lists what it would delete, deletes only with --yes, never the newest, and is recorded', async () => {
    const dry = await runCli(['backups', 'prune', '--keep', '1000', '--json'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    const plan = dry.json<{
      execution_id: number;
      dry_run: boolean;
      would_delete: Array<{ key: string; kind: string }>;
      deleted: unknown[];
    }>();
    expect(plan.dry_run).toBe(true);
    expect(plan.deleted).toEqual([]);
    const backups = plan.would_delete.filter((t) => t.kind === 'backup').map((t) => t.key);
    expect(backups).toHaveLength(1061 - 1000);
    expect(backups).not.toContain(real.key);
    expect((await runCli(['backups', '--json'], { env })).json<ListJson>().total).toBe(1061);

    const done = await runCli(['backups', 'prune', '--keep', '1000', '--yes', '--json'], { env });
    expect(done.code, done.stderr).toBe(0);
    expect(done.json<{ deleted: unknown[] }>().deleted.length).toBe(plan.would_delete.length);
    expect((await runCli(['backups', '--json'], { env })).json<ListJson>().total).toBe(1000);

    const everything = await runCli(['backups', 'prune', '--keep', '0', '--yes', '--json'], { env });
    expect(everything.code, everything.stderr).toBe(0);
    const left = (await runCli(['backups', '--json'], { env })).json<ListJson>();
    // The newest complete backup (the safety backup) and "latest" (the real one) always stay.
    expect(left.items.map((i) => i.key)).toEqual([
      'database-backups/20990101_000000_execution_999999.json.gz',
      real.key,
    ]);

    const shown = await runCli(['show', String(plan.execution_id), '--json'], { env });
    expect(shown.json<{ command: string; status: string }>()).toMatchObject({
      command: 'prune',
      status: 'completed',
    });
    const usage = await runCli(['backups', 'prune'], { env });
    expect(usage.code).toBe(2);
  });
});

describe('embedded database + local folder', () => {
  const cwd = tempDir('foodfleet-embedded-');
  const folder = path.join(cwd, '.foodfleet-seed', 'backups', 'database-backups');
  const env = { DATABASE_URL: undefined, S3_BUCKET_NAME: undefined };
  let backup: BackupJson;
  let doc: Doc;

  beforeAll(async () => {
    const seeded = await runCli(['run', '--json'], { cwd, env });
    expect(seeded.code, seeded.stderr).toBe(0);
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = await PGlite.create(path.join(cwd, '.foodfleet-seed', 'db'));
    try {
      await pglite.exec(`
        create table paged (id integer primary key, label text, amount numeric, at timestamptz, b bytea, f float8);
        insert into paged select g, 'row ' || g, g * 1.5, '2024-01-01 00:00:00.000001+00'::timestamptz + g * interval '1 second', '\\x00ff', 0.1 * g from generate_series(1, 2500) g;
        create table no_key (v text, j json);
        insert into no_key select 'same', '{"k": 2.50}' from generate_series(1, 1500);
        create table parts (at date not null, v int) partition by range (at);
        create table parts_a partition of parts for values from ('2024-01-01') to ('2025-01-01');
        create table parts_b partition of parts for values from ('2025-01-01') to ('2026-01-01');
        insert into parts select '2024-06-01'::date + (g % 400), g from generate_series(1, 1200) g;`);
    } finally {
      await pglite.close();
    }
    const result = await runCli(['backup', '--json'], { cwd, env });
    expect(result.code, result.stderr).toBe(0);
    backup = result.json<BackupJson>();
    doc = parseDoc(readFileSync(path.join(cwd, '.foodfleet-seed', 'backups', backup.key)));
  });

  it('backs up every table through pages, by key or by row address, with exact text values', () => {
    expect(backup.key).toMatch(KEY);
    expect(backup.tables).toMatchObject({
      paged: 2500,
      no_key: 1500,
      parts: 1200,
      roles: 5,
      permissions: 23,
    });
    const paged = rowsOf(doc, 'paged');
    expect(paged.map((r) => r.id)).toEqual(Array.from({ length: 2500 }, (_, i) => String(i + 1)));
    expect(paged[0]).toEqual({
      id: '1',
      label: 'row 1',
      amount: '1.5',
      at: '2024-01-01 00:00:01.000001+00',
      b: '\\x00ff',
      f: '0.1',
    });
    expect(rowsOf(doc, 'no_key').every((r) => r.v === 'same' && r.j === '{"k": 2.50}')).toBe(true);
    expect(new Set(rowsOf(doc, 'parts').map((r) => r.v)).size).toBe(1200);
  });

  it('writes the object and its manifest into the folder; backups and backups verify read them', async () => {
    const object = readFileSync(path.join(cwd, '.foodfleet-seed', 'backups', backup.key));
    expect(sha256(object)).toBe(backup.sha256);
    const manifest = JSON.parse(
      readFileSync(path.join(cwd, '.foodfleet-seed', 'backups', `${backup.key}.manifest.json`), 'utf8'),
    ) as Manifest;
    expect(manifest).toMatchObject({
      key: backup.key,
      size: object.length,
      sha256: backup.sha256,
      tables: backup.tables,
      taken_by: 'backup',
    });
    const listed = (await runCli(['backups', '--json'], { cwd, env })).json<ListJson>();
    expect(listed.items.map((i) => i.key)[0]).toBe(backup.key);
    expect(listed.total).toBe(2);
    const verified = await runCli(['backups', 'verify', '--json'], { cwd, env });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.json()).toMatchObject({ valid: true, key: backup.key, tables: backup.tables });
  });

  it('verify reports a flipped byte as a checksum mismatch', async () => {
    const object = readFileSync(path.join(cwd, '.foodfleet-seed', 'backups', backup.key));
    const key = 'database-backups/20010101_000000_execution_7001.json.gz';
    const flipped = Buffer.from(object);
    flipped.writeUInt8(flipped.readUInt8(100) ^ 0x01, 100);
    writeFileSync(path.join(cwd, '.foodfleet-seed', 'backups', key), flipped);
    writeFileSync(
      path.join(cwd, '.foodfleet-seed', 'backups', `${key}.manifest.json`),
      JSON.stringify(manifestFor(key, object, { tables: backup.tables })),
    );
    const result = await runCli(['backups', 'verify', '--key', key], { cwd, env });
    expect(result.code).toBe(1);
    expect(errorLine(result.stderr)).toMatch(/failed verification: its SHA-256 is/);
  });

  it('prune removes old complete backups and day-old incomplete uploads, keeps fresh ones and the newest', async () => {
    const object = readFileSync(path.join(folder, path.basename(backup.key)));
    const old = 'database-backups/20200101_000000_execution_7002.json.gz';
    writeFileSync(path.join(cwd, '.foodfleet-seed', 'backups', old), object);
    writeFileSync(
      path.join(cwd, '.foodfleet-seed', 'backups', `${old}.manifest.json`),
      JSON.stringify(manifestFor(old, object)),
    );
    const staleUpload = path.join(folder, '20200102_000000_execution_7003.json.gz');
    const freshUpload = path.join(folder, '20990101_000000_execution_7004.json.gz');
    writeFileSync(staleUpload, 'half');
    writeFileSync(freshUpload, 'half');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(staleUpload, twoDaysAgo, twoDaysAgo);

    const dry = await runCli(['backups', 'prune', '--older-than', '30d'], { cwd, env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Would delete 3 objects/);
    expect(dry.stdout).toMatch(/Nothing was deleted\. Re-run with --yes/);
    expect(existsSync(staleUpload)).toBe(true);

    const done = await runCli(['backups', 'prune', '--older-than', '30d', '--yes', '--json'], { cwd, env });
    expect(done.code, done.stderr).toBe(0);
    const deleted = done.json<{ deleted: Array<{ key: string; kind: string }> }>().deleted;
    expect(deleted.map((t) => [t.key, t.kind]).sort()).toEqual(
      [
        ['database-backups/20010101_000000_execution_7001.json.gz', 'backup'],
        [old, 'backup'],
        ['database-backups/20200102_000000_execution_7003.json.gz', 'incomplete'],
      ].sort(),
    );
    const remaining = readdirSync(folder).sort();
    expect(remaining).toContain(path.basename(freshUpload));
    expect(remaining).toContain(path.basename(backup.key));
    expect(remaining).not.toContain(path.basename(old));
    expect(remaining).not.toContain(`${path.basename(old)}.manifest.json`);
  });

  it('run proceeds with a warning when the backup folder cannot be written', async () => {
    const result = await runCli(['run', '--json'], {
      cwd,
      env: { ...env, SEED_BACKUP_DIR: '/dev/null/backups' },
    });
    expect(result.code, result.stderr).toBe(0);
    const run = result.json<{ backup_created: boolean; warnings: string[] }>();
    expect(run.backup_created).toBe(false);
    expect(run.warnings.join('\n')).toMatch(/Backup failed: .*Seeding proceeds without a backup/s);
  });
});

async function createFixtureTables(db: FreshDatabase): Promise<void> {
  await db.query(`
    create type mood as enum ('sad', 'ok', 'happy');
    create domain positive_int as integer check (value > 0);
    create table all_types (
      id integer generated always as identity primary key,
      i8 bigint, num numeric, f4 real, f8 double precision, ts timestamp, tstz timestamptz, d date, t time, ttz timetz,
      iv interval, b bytea, j json, jb jsonb, arr integer[], arr2 integer[], nums numeric[], moods mood[], m mood,
      dom positive_int, u uuid, ip inet, net cidr, bits bit varying, pt point, tsv tsvector, cash money, flag boolean,
      c4 char(4), txt text,
      doubled integer generated always as (dom * 2) stored
    );
    create table events (id bigserial, at date not null, what text) partition by range (at);
    create table events_2024 partition of events for values from ('2024-01-01') to ('2025-01-01');
    create table events_2025 partition of events for values from ('2025-01-01') to ('2026-01-01');
    insert into events (at, what) values ('2024-05-01', 'a'), ('2025-05-01', 'b'), ('2025-06-01', 'c');
    create sequence ticket_seq;
    create table tickets (id integer not null default nextval('ticket_seq'), label text);
    insert into tickets (label) values ('x'), ('y');
    create table unused (id serial primary key);
    create table "users""; DROP TABLE roles; --" ("we""ird" text);
    insert into "users""; DROP TABLE roles; --" values ('x');
    create table wide (${Array.from({ length: 120 }, (_, i) => `c${i + 1} text`).join(', ')});
    insert into wide values (${Array.from({ length: 120 }, (_, i) => `'v${i + 1}'`).join(', ')});`);
  await db.query(
    `insert into all_types (i8, num, f4, f8, ts, tstz, d, t, ttz, iv, b, j, jb, arr, arr2, nums, moods, m, dom, u, ip, net, bits, pt, tsv, cash, flag, c4, txt)
     values ('9223372036854775807', '12345678901234567890.123456789012345678901234567890', '3.4028235e+38', '1.7976931348623157e+308',
       '2024-02-29 23:59:59.123456', '2024-02-29 23:59:59.123456+00', '2024-02-29', '23:59:59.999999', '12:00:00+05:30',
       '1 year 2 mons 3 days 04:05:06.789', $1, '{"a": 2.50, "a": 1}', '{"b": 2.50, "a": 1}', '{NULL,1}', '{{1,2},{3,4}}',
       '{1.10,NaN}', '{happy,sad}', 'ok', 21, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '10.0.0.1', '10.0.0.0/8', '101', '(1.5,-2)',
       'a fat cat', '1234.56', true, 'ab', $2)`,
    [BYTES_0_255, TRICKY_TEXT],
  );
  await db.query('insert into all_types default values');
  await db.query(
    `insert into all_types (i8, num, f4, f8, ts, tstz, j, ip, flag)
     values ('-9223372036854775808', 'NaN', '-0', '-Infinity', 'infinity', '-infinity', 'null', '::1', false)`,
  );
}
