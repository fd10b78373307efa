import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingProxy, type RecordingProxy } from './support/recording-proxy.js';
import { createBucket, freshDatabase, runCli, type FreshDatabase } from './support/index.js';

/**
 * How restore finds and reads the backup object on S3, seen from the wire: looked up by key (no
 * listing), and read once when nothing comes
 * between the check and the load, twice when a safety backup does (a paused download could be
 * dropped by the server meanwhile).
 */

let db: FreshDatabase;
let proxy: RecordingProxy;
let env: Record<string, string>;
let key: string;

beforeAll(async () => {
  db = await freshDatabase('restore-reads');
  const bucket = await createBucket('restore-reads');
  proxy = await startRecordingProxy(bucket.env.S3_ENDPOINT);
  env = { DATABASE_URL: db.url, ...bucket.env, S3_ENDPOINT: proxy.endpoint };
  const seeded = await runCli(['run', '--json'], { env });
  expect(seeded.code, seeded.stderr).toBe(0);
  key = seeded.json<{ backup_s3_key: string }>().backup_s3_key;
  expect(key).toMatch(/^database-backups\//);
});

afterAll(async () => {
  await proxy?.close();
  await db?.close();
});

/** GETs of the backup object itself (not its manifest, not listings). */
function objectReads(from: number): number {
  return proxy.requests
    .slice(from)
    .filter((r) => r.startsWith('GET ') && r.split('?')[0]?.endsWith(`/${key}`)).length;
}

describe('restore --key on S3', () => {
  it('without a safety backup: the object is downloaded once for the check and the load', async () => {
    const mark = proxy.requests.length;
    const result = await runCli(['restore', '--key', key, '--no-backup', '--yes', '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(objectReads(mark)).toBe(1);
    // The key is looked up directly (HEAD), not found by listing the prefix.
    expect(proxy.requests.slice(mark).filter((r) => r.includes('list-type='))).toEqual([]);
    expect(proxy.requests.slice(mark).some((r) => r.startsWith(`HEAD `) && r.endsWith(`/${key}`))).toBe(true);
  });

  it('with a safety backup between the check and the load: read again for the load', async () => {
    const mark = proxy.requests.length;
    const result = await runCli(['restore', '--key', key, '--yes', '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(objectReads(mark)).toBe(2);
  });
});
