import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canonicalDump } from './support/canonical-dump.js';
import {
  type CliResult,
  createBucket,
  type FreshDatabase,
  freshDatabase,
  runCli,
  s3Connection,
  tempDir,
} from './support/index.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

/**
 * S3 dying or stalling in the middle of a transfer, through a TCP proxy in front of s3rver:
 * bounded by `backup.s3.timeout`, one clear message, no incomplete backup listed, a restore
 * rolled back, the execution recorded failed — and `run` seeding on without its backup unless
 * `--require-backup`.
 */

const MB = 1024 * 1024;

let db: FreshDatabase;
let proxy: TcpProxy;
/** Straight to s3rver: how the operator sees the bucket afterwards. */
let direct: Record<string, string>;
/** Through the proxy, with a short timeout and 5 MiB parts (the backup takes two or more). */
let faulty: Record<string, string>;
let cwd: string;

beforeAll(async () => {
  db = await freshDatabase('faults_s3');
  const bucket = await createBucket('faults');
  direct = { DATABASE_URL: db.url, ...bucket.env };
  const endpoint = new URL(s3Connection().endpoint);
  proxy = await startTcpProxy({ host: endpoint.hostname, port: Number(endpoint.port) });
  faulty = { ...direct, S3_ENDPOINT: proxy.via(s3Connection().endpoint), S3_TIMEOUT: '2' };
  cwd = tempDir('foodfleet-faults-s3-');
  writeFileSync(path.join(cwd, 'seedrc.json'), JSON.stringify({ backup: { s3: { partSizeMb: 5 } } }));
  const seeded = await runCli(['run', '--no-backup', '--json'], { env: direct, cwd });
  expect(seeded.code, seeded.stderr).toBe(0);
  // ≈ 14 MB of random hex: a backup of ≈ 7 MB after gzip, uploaded in more than one part.
  await db.query('create table bulk_notes (id int primary key, body text not null)');
  await db.query(
    `insert into bulk_notes select g, (select string_agg(md5(random()::text || g || i), '') from generate_series(1, 100) i)
       from generate_series(1, 4500) g`,
  );
});

afterEach(() => {
  proxy.refuse(false);
  proxy.resume();
  proxy.dropAll();
});

afterAll(async () => {
  await proxy.close();
  await db.close();
});

const listed = async () => {
  const result = await runCli(['backups', '--json'], { env: direct, cwd });
  expect(result.code, result.stderr).toBe(0);
  return result.json<{ total: number; items: Array<{ key: string }> }>();
};

async function execution(id: number | undefined) {
  const [row] = await db.query<{
    status: string;
    backup_status: string | null;
    error_message: string | null;
  }>('select status, backup_status, error_message from seeder_executions where id = $1', [id]);
  return row;
}

/** One clear failure, in time, not a crash. */
function expectCleanFailure(result: CliResult): { code: string; message: string; execution_id?: number } {
  expect(result.timedOut).toBe(false);
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).not.toMatch(/Unhandled|node:events|^\s+at /m);
  const document = result.json<{ error: { code: string; message: string }; execution_id?: number }>();
  return { ...document.error, execution_id: document.execution_id };
}

/** Kills S3 for the rest of the test (connections cut, new ones refused) once `bytes` went `direction`. */
function killS3After(direction: 'up' | 'down', bytes: number): void {
  void proxy.afterBytes(direction, bytes, 'drop').then(() => {
    proxy.refuse(true);
    proxy.dropAll();
  });
}

describe('S3 fails mid-upload', () => {
  it('backup, S3 stalls after 2 MB: fails within the timeout, nothing listed, the execution failed', async () => {
    const before = await listed();
    void proxy.afterBytes('up', 2 * MB, 'stall');
    const failure = expectCleanFailure(await runCli(['backup', '--json'], { env: faulty, cwd }));
    expect(failure.code).toBe('STORE_UNAVAILABLE');
    expect(failure.message).toMatch(/timed out|did not answer|no answer/i);
    expect(await listed()).toEqual(before);
    expect(await execution(failure.execution_id)).toMatchObject({
      status: 'failed',
      backup_status: 'failed',
    });
  });

  it('backup, S3 dies after 2 MB: one clear message, nothing listed, the execution failed', async () => {
    const before = await listed();
    killS3After('up', 2 * MB);
    const failure = expectCleanFailure(await runCli(['backup', '--json'], { env: faulty, cwd }));
    expect(failure.code).toBe('STORE_UNAVAILABLE');
    expect(failure.message).toMatch(/^Backup failed: .*No backup was stored/);
    expect(await listed()).toEqual(before);
    expect((await execution(failure.execution_id))?.error_message).toBe(failure.message);
  });

  it('run, S3 stalls mid-upload: seeds on without a backup and says so', async () => {
    void proxy.afterBytes('up', 2 * MB, 'stall');
    const result = await runCli(['run', '--json'], { env: faulty, cwd });
    expect(result.code, result.stderr).toBe(0);
    const document = result.json<{ execution_id: number; backup_created: boolean; warnings: string[] }>();
    expect(document.backup_created).toBe(false);
    expect(document.warnings.join('\n')).toMatch(/Seeding proceeds without a backup/);
    expect(await execution(document.execution_id)).toMatchObject({
      status: 'completed',
      backup_status: 'failed',
    });
  });

  it('run --require-backup, S3 dies mid-upload: stops before seeding, nothing changed', async () => {
    const before = (await canonicalDump((sql, params) => db.query(sql, params))).tables;
    const listedBefore = await listed();
    killS3After('up', 2 * MB);
    const failure = expectCleanFailure(
      await runCli(['run', '--require-backup', '--json'], { env: faulty, cwd }),
    );
    expect(failure.code).toBe('BACKUP_FAILED');
    expect(failure.message).toMatch(/--require-backup is set, so the run stopped before seeding/);
    expect((await canonicalDump((sql, params) => db.query(sql, params))).tables).toEqual(before);
    expect(await listed()).toEqual(listedBefore);
    expect(await execution(failure.execution_id)).toMatchObject({
      status: 'failed',
      backup_status: 'failed',
    });
  });
});

describe('S3 fails mid-download', () => {
  let key: string;

  beforeAll(async () => {
    const backup = await runCli(['backup', '--json'], { env: direct, cwd });
    expect(backup.code, backup.stderr).toBe(0);
    key = backup.json<{ key: string }>().key;
  });

  it('restore, S3 stalls midway: fails within the timeout, rolled back, the execution failed', async () => {
    await db.query(`update bulk_notes set body = 'changed after the backup' where id = 1`);
    const before = await canonicalDump((sql, params) => db.query(sql, params));
    void proxy.afterBytes('down', 2 * MB, 'stall');
    const failure = expectCleanFailure(
      await runCli(['restore', '--key', key, '--no-backup', '--yes', '--json'], { env: faulty, cwd }),
    );
    expect(failure.code).toBe('STORE_UNAVAILABLE');
    expect(failure.message).toMatch(/timed out|did not answer|no answer/i);
    expect(await canonicalDump((sql, params) => db.query(sql, params))).toEqual(before);
    expect(await execution(failure.execution_id)).toMatchObject({ status: 'failed' });
  });

  it('restore, S3 dies midway: rolled back, one clear message', async () => {
    const before = await canonicalDump((sql, params) => db.query(sql, params));
    killS3After('down', 2 * MB);
    const failure = expectCleanFailure(
      await runCli(['restore', '--key', key, '--no-backup', '--yes', '--json'], { env: faulty, cwd }),
    );
    expect(failure.code).toBe('STORE_UNAVAILABLE');
    expect(failure.message).toMatch(/exactly as it was before|Nothing was changed/);
    expect(await canonicalDump((sql, params) => db.query(sql, params))).toEqual(before);
    expect(await execution(failure.execution_id)).toMatchObject({ status: 'failed' });
  });

  it('backups verify, S3 stalls or dies midway: fails clearly, within the timeout', async () => {
    void proxy.afterBytes('down', 2 * MB, 'stall');
    const stalled = expectCleanFailure(
      await runCli(['backups', 'verify', '--key', key, '--json'], { env: faulty, cwd }),
    );
    expect(stalled.code).toBe('STORE_UNAVAILABLE');
    proxy.resume();
    proxy.dropAll();
    killS3After('down', 2 * MB);
    const died = expectCleanFailure(
      await runCli(['backups', 'verify', '--key', key, '--json'], { env: faulty, cwd }),
    );
    expect(died.code).toBe('STORE_UNAVAILABLE');
    expect(died.message).toContain(key);
  });
});
