import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailureDocument } from './support/documents.js';
import { frozenClockEnv } from './support/frozen-clock.js';
import {
  createBucket,
  databaseUrl,
  freshDatabase,
  pgAdminUrl,
  runCli,
  s3Client,
  tempDir,
  type CliResult,
  type FreshDatabase,
  type TestBucket,
} from './support/index.js';
import { uniqueName } from './support/unique.js';

/**
 * Several databases sharing one store and prefix (staging and production, parallel CI databases):
 * a backup never replaces another — not even one taken in the same second with the same execution
 * id — and each database's "latest" is its own. Through the CLI, on a local folder, on s3rver
 * (which ignores If-None-Match, so the clash is forced in sequence) and on the embedded engine.
 * The CLI's clock is stopped at one instant (support/frozen-clock.ts) to force "the same second".
 */

interface BackupJson {
  execution_id: number;
  key: string;
}

interface RestoreJson {
  key: string;
  execution_id: number;
}

interface Manifest {
  key: string;
  execution_id: number;
  taken_by: string;
  database_id?: string;
  database_name?: string;
}

interface ListJson {
  items: Array<{ key: string; execution_id: number | null; taken_by: string; database: string | null }>;
  total: number;
}

interface PruneJson {
  dry_run: boolean;
  deleted: Array<{ key: string }>;
  would_delete: Array<{ key: string }>;
  kept: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A whole second near now (S3 signatures carry the time, so it must not be far off). */
function aSecond(offsetSeconds = 0): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000 + offsetSeconds * 1000 + 250);
}

/** The guide's timestamp in keys: `YYYYMMDD_HHMMSS` (UTC). */
function stampOf(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}

async function ok<T>(args: string[], env: Record<string, string>, cwd?: string): Promise<T> {
  const result = await runCli([...args, '--json'], { env, ...(cwd ? { cwd } : {}), timeoutMs: 90_000 });
  expect(result.code, result.stderr).toBe(0);
  return result.json<T>();
}

async function refused(args: string[], env: Record<string, string>): Promise<FailureDocument> {
  const result: CliResult = await runCli([...args, '--json'], { env });
  expect(result.code, result.stdout).toBe(1);
  return result.json<FailureDocument>();
}

/** One statement on `url` over a connection of its own, closed at once (a template needs none open). */
async function sqlOn<R extends Record<string, unknown>>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function identityOf(url: string): Promise<string | undefined> {
  const rows = await sqlOn<{ identity: string }>(
    url,
    'select identity::text as identity from foodfleet_seed_database_identity',
  );
  return rows[0]?.identity;
}

/** A fresh database holding one row that says which database it is. */
async function markedDatabase(label: string): Promise<FreshDatabase> {
  const db = await freshDatabase(label);
  await sqlOn(db.url, `create table marker (v text not null); insert into marker values ('${label}')`);
  return db;
}

const markerOf = async (db: FreshDatabase): Promise<string | undefined> =>
  (await sqlOn<{ v: string }>(db.url, 'select v from marker'))[0]?.v;

describe('two databases, one local folder and prefix', () => {
  const folder = tempDir('foodfleet-shared-');
  const at = aSecond();
  let first: FreshDatabase;
  let second: FreshDatabase;
  let envOf: (db: FreshDatabase) => Record<string, string>;
  let a: BackupJson;
  let b: BackupJson;

  const fileOf = (key: string) => path.join(folder, ...key.split('/'));
  const manifestOf = (key: string) =>
    JSON.parse(readFileSync(fileOf(`${key}.manifest.json`), 'utf8')) as Manifest;
  const rowsIn = (key: string) =>
    (JSON.parse(gunzipSync(readFileSync(fileOf(key))).toString('utf8')) as { marker: Array<{ v: string }> })
      .marker;

  beforeAll(async () => {
    [first, second] = await Promise.all([markedDatabase('first'), markedDatabase('second')]);
    envOf = (db) => ({ DATABASE_URL: db.url, SEED_BACKUP_DIR: folder });
    a = await ok<BackupJson>(['backup'], { ...envOf(first), ...frozenClockEnv(at) });
    b = await ok<BackupJson>(['backup'], { ...envOf(second), ...frozenClockEnv(at) });
  });

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  it('the second backup of the same second and execution id gets a suffixed key; both survive with their manifests', async () => {
    expect([a.execution_id, b.execution_id]).toEqual([1, 1]);
    const stamp = stampOf(at);
    expect(a.key).toBe(`database-backups/${stamp}_execution_1.json.gz`);
    expect(b.key).toBe(`database-backups/${stamp}_execution_1-2.json.gz`);
    expect(rowsIn(a.key)).toEqual([{ v: 'first' }]);
    expect(rowsIn(b.key)).toEqual([{ v: 'second' }]);
    const [ma, mb] = [manifestOf(a.key), manifestOf(b.key)];
    expect(ma).toMatchObject({ key: a.key, execution_id: 1, database_name: first.name });
    expect(mb).toMatchObject({ key: b.key, execution_id: 1, database_name: second.name });
    expect(ma.database_id).toMatch(UUID);
    expect(mb.database_id).toMatch(UUID);
    expect(ma.database_id).not.toBe(mb.database_id);
    expect(ma.database_id).toBe(await identityOf(first.url));
    expect(mb.database_id).toBe(await identityOf(second.url));
  });

  it('`backups` lists both, and `backups verify` accepts the suffixed key', async () => {
    const list = await ok<ListJson>(['backups'], envOf(first));
    expect(list.items.map((item) => [item.key, item.database]).sort()).toEqual(
      [
        [a.key, first.name],
        [b.key, second.name],
      ].sort(),
    );
    expect(list.total).toBe(2);
    const verified = await ok<{ valid: boolean; key: string }>(
      ['backups', 'verify', '--key', b.key],
      envOf(first),
    );
    expect(verified).toMatchObject({ valid: true, key: b.key });
  });

  it('`backups prune` run from one database keeps every database its newest backup', async () => {
    for (const db of [first, second]) {
      const plan = await ok<PruneJson>(['backups', 'prune', '--keep', '1'], envOf(db));
      expect(plan.would_delete).toEqual([]);
      expect(plan.kept).toBe(2);
    }
  });

  it('restore without a key picks each database’s own latest, even when another database’s is newer', async () => {
    await sqlOn(first.url, `update marker set v = 'changed'`);
    await sqlOn(second.url, `update marker set v = 'changed'`);
    // The second database's backup sorts newest (same second, suffix 2): the first must still pick its own.
    expect((await ok<RestoreJson>(['restore', '--yes', '--no-backup'], envOf(first))).key).toBe(a.key);
    expect(await markerOf(first)).toBe('first');
    expect((await ok<RestoreJson>(['restore', '--yes', '--no-backup'], envOf(second))).key).toBe(b.key);
    expect(await markerOf(second)).toBe('second');
  });

  it('the identity is stable: later backups carry the same one', async () => {
    const later = aSecond(1);
    const again = await ok<BackupJson>(['backup'], { ...envOf(first), ...frozenClockEnv(later) });
    expect(manifestOf(again.key).database_id).toBe(manifestOf(a.key).database_id);
    const theirs = await ok<BackupJson>(['backup'], { ...envOf(second), ...frozenClockEnv(later) });
    expect([again.execution_id, theirs.execution_id]).toEqual([4, 4]);
    expect(theirs.key).toBe(again.key.replace(/\.json\.gz$/, '-2.json.gz'));
    expect(manifestOf(theirs.key).database_id).toBe(manifestOf(b.key).database_id);

    // Suffixed backups are pruned like any other once they are no database's newest.
    const pruned = await ok<PruneJson>(['backups', 'prune', '--keep', '2', '--yes'], envOf(second));
    expect(pruned.deleted.map((target) => target.key).sort()).toEqual([a.key, b.key].sort());
    for (const key of [a.key, b.key]) {
      expect(existsSync(fileOf(key)), key).toBe(false);
      expect(existsSync(fileOf(`${key}.manifest.json`)), key).toBe(false);
    }
    const left = readdirSync(path.join(folder, 'database-backups')).sort();
    expect(left).toEqual(
      [again.key, `${again.key}.manifest.json`, theirs.key, `${theirs.key}.manifest.json`]
        .map((key) => key.slice('database-backups/'.length))
        .sort(),
    );
  });
});

describe('two databases, one bucket and prefix on s3rver (which ignores If-None-Match)', () => {
  const at = aSecond();
  let bucket: TestBucket;
  let s3: S3Client;
  let first: FreshDatabase;
  let second: FreshDatabase;
  let envOf: (db: FreshDatabase) => Record<string, string>;

  const read = async (key: string): Promise<Buffer> => {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket.name, Key: key }));
    return Buffer.from(
      await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  };

  beforeAll(async () => {
    bucket = await createBucket('shared');
    s3 = s3Client();
    [first, second] = await Promise.all([markedDatabase('first'), markedDatabase('second')]);
    envOf = (db) => ({ DATABASE_URL: db.url, ...bucket.env });
  });

  afterAll(async () => {
    s3?.destroy();
    await Promise.all([first?.close(), second?.close()]);
  });

  it('both backups survive, and each database restores its own', async () => {
    const a = await ok<BackupJson>(['backup'], { ...envOf(first), ...frozenClockEnv(at) });
    const b = await ok<BackupJson>(['backup'], { ...envOf(second), ...frozenClockEnv(at) });
    expect(a.key).toBe(`database-backups/${stampOf(at)}_execution_1.json.gz`);
    expect(b.key).toBe(`database-backups/${stampOf(at)}_execution_1-2.json.gz`);
    const rows = async (key: string) =>
      (JSON.parse(gunzipSync(await read(key)).toString('utf8')) as { marker: unknown }).marker;
    expect(await rows(a.key)).toEqual([{ v: 'first' }]);
    expect(await rows(b.key)).toEqual([{ v: 'second' }]);
    const manifest = async (key: string) =>
      JSON.parse((await read(`${key}.manifest.json`)).toString()) as Manifest;
    expect((await manifest(a.key)).database_id).toBe(await identityOf(first.url));
    expect((await manifest(b.key)).database_id).toBe(await identityOf(second.url));

    const list = await ok<ListJson>(['backups'], envOf(second));
    expect(list.items.map((item) => item.key).sort()).toEqual([a.key, b.key].sort());

    await sqlOn(first.url, `update marker set v = 'changed'`);
    await sqlOn(second.url, `update marker set v = 'changed'`);
    expect((await ok<RestoreJson>(['restore', '--yes', '--no-backup'], envOf(first))).key).toBe(a.key);
    expect((await ok<RestoreJson>(['restore', '--yes', '--no-backup'], envOf(second))).key).toBe(b.key);
    expect([await markerOf(first), await markerOf(second)]).toEqual(['first', 'second']);
  });
});

describe('a database cloned with its tables (CREATE DATABASE … TEMPLATE)', () => {
  const folder = tempDir('foodfleet-clone-');
  let origin: FreshDatabase;
  let cloneName: string;
  let cloneUrl: string;

  beforeAll(async () => {
    origin = await markedDatabase('origin');
    cloneName = uniqueName('ffs', 'clone', '_');
    cloneUrl = databaseUrl(pgAdminUrl(), cloneName);
  });

  afterAll(async () => {
    if (cloneName)
      await sqlOn(pgAdminUrl(), `drop database if exists "${cloneName}" with (force)`).catch(() => undefined);
    await origin?.close();
  });

  it('gets an identity of its own, never restores the origin’s backup as "latest", and restores it by key', async () => {
    const originEnv = { DATABASE_URL: origin.url, SEED_BACKUP_DIR: folder };
    const cloneEnv = { DATABASE_URL: cloneUrl, SEED_BACKUP_DIR: folder };
    const taken = await ok<BackupJson>(['backup'], originEnv);
    const originId = await identityOf(origin.url);
    expect(originId).toMatch(UUID);
    // A restore in the origin records (in its own history, which the clone copies) the safety backup it took.
    const originRestore = await ok<RestoreJson & { safety_backup_key: string }>(
      ['restore', '--yes'],
      originEnv,
    );
    expect(originRestore.key).toBe(taken.key);

    await sqlOn(pgAdminUrl(), `create database "${cloneName}" template "${origin.name}"`);
    // The clone carries the origin's identity row until the tool first looks at it.
    expect(await identityOf(cloneUrl)).toBe(originId);
    await sqlOn(cloneUrl, `update marker set v = 'changed'`);

    const refusal = await refused(['restore', '--yes', '--no-backup'], cloneEnv);
    expect(refusal.error.code).toBe('NOT_FOUND');
    expect(refusal.error.message).toContain('No complete backup of this database');
    expect(refusal.error.message).toContain(`restore --key`);
    expect(refusal.error.message).toContain(taken.key);
    expect((await sqlOn<{ v: string }>(cloneUrl, 'select v from marker'))[0]?.v).toBe('changed');
    const cloneId = await identityOf(cloneUrl);
    expect(cloneId).toMatch(UUID);
    expect(cloneId).not.toBe(originId);
    expect(await identityOf(origin.url)).toBe(originId);

    // Its copied history names the origin's safety backup: rollback refuses it and says how to take it anyway.
    const rollback = await refused(['rollback', '--yes', '--no-backup'], cloneEnv);
    expect(rollback.error.code).toBe('NOT_FOUND');
    expect(rollback.error.message).toContain('taken by another database');
    expect(rollback.error.message).toContain(`restore --key ${originRestore.safety_backup_key}`);
    expect((await sqlOn<{ v: string }>(cloneUrl, 'select v from marker'))[0]?.v).toBe('changed');

    // Disaster recovery stays one command: name the other database's backup.
    const restored = await ok<RestoreJson>(['restore', '--key', taken.key, '--yes', '--no-backup'], cloneEnv);
    expect(restored.key).toBe(taken.key);
    expect((await sqlOn<{ v: string }>(cloneUrl, 'select v from marker'))[0]?.v).toBe('origin');

    const own = await ok<BackupJson>(['backup'], cloneEnv);
    const manifest = JSON.parse(
      readFileSync(path.join(folder, ...`${own.key}.manifest.json`.split('/')), 'utf8'),
    ) as Manifest;
    expect(manifest.database_id).toBe(cloneId);
    expect(manifest.database_name).toBe(cloneName);
  });
});

describe('two embedded (PGlite) databases, one backup folder', () => {
  const folder = tempDir('foodfleet-embedded-shared-');
  const cwds = [tempDir('foodfleet-embedded-one-'), tempDir('foodfleet-embedded-two-')] as const;
  const env = { SEED_BACKUP_DIR: folder };

  it('keep both backups of the same second and each restores its own', async () => {
    const at = aSecond();
    const keys: string[] = [];
    for (const cwd of cwds) {
      await ok(['migrate'], env, cwd);
      keys.push((await ok<BackupJson>(['backup'], { ...env, ...frozenClockEnv(at) }, cwd)).key);
    }
    const id = /_execution_(\d+)\.json\.gz$/.exec(keys[0] ?? '')?.[1];
    expect(keys).toEqual([
      `database-backups/${stampOf(at)}_execution_${id}.json.gz`,
      `database-backups/${stampOf(at)}_execution_${id}-2.json.gz`,
    ]);
    const ids = keys.map(
      (key) =>
        (
          JSON.parse(
            readFileSync(path.join(folder, ...`${key}.manifest.json`.split('/')), 'utf8'),
          ) as Manifest
        ).database_id,
    );
    expect(ids[0]).toMatch(UUID);
    expect(ids[1]).toMatch(UUID);
    expect(ids[0]).not.toBe(ids[1]);
    for (const [index, cwd] of cwds.entries()) {
      const restored = await ok<RestoreJson>(['restore', '--yes', '--no-backup'], env, cwd);
      expect(restored.key).toBe(keys[index]);
    }
  }, 180_000);
});
