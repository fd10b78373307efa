import { GetObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/schema.js';
import { loadConfig } from '../src/config/load.js';
import { usingDatabase } from '../src/db/open-database.js';
import type { BackupStore } from '../src/backup/store.js';
import { takeBackup } from '../src/backup/take-backup.js';
import { createLocalStore } from '../src/backup/stores/local-store.js';
import type { S3Config } from '../src/backup/stores/s3-client.js';
import { createS3Store } from '../src/backup/stores/s3-store.js';
import { SeedError } from '../src/errors.js';
import { createBucket, freshDatabase, s3Client, s3Connection, tempDir } from './support/index.js';

/**
 * Backup stores create objects and never replace them: whoever comes second for a key is refused
 * (and picks another key), whatever the store — a folder, an S3 server that ignores
 * If-None-Match (s3rver: the check before the write refuses), and one that honours it as AWS
 * does (a small local endpoint answering 412 to conditional writes, single-part and multipart).
 */

const MiB = 1024 * 1024;

async function refusal(promise: Promise<unknown>): Promise<SeedError> {
  try {
    await promise;
  } catch (error) {
    return error as SeedError;
  }
  throw new Error('expected the write to be refused, but it succeeded');
}

function expectTaken(error: SeedError, key: string): void {
  expect(error).toBeInstanceOf(SeedError);
  expect(error.code).toBe('BACKUP_FAILED');
  expect(error.message).toContain(key);
  expect(error.message).toContain('already exists');
}

describe('local folder store', () => {
  const dir = tempDir('foodfleet-create-only-');
  let store: BackupStore;

  beforeAll(() => {
    store = createLocalStore(dir, { prefix: 'database-backups/' });
  });

  it('two writers racing for one key: exactly one wins, the other is refused, the winner’s bytes stay', async () => {
    const key = 'database-backups/20250101_000000_execution_1.json.gz';
    const bodies = [randomBytes(2 * MiB), randomBytes(2 * MiB)];
    const outcomes = await Promise.allSettled(bodies.map((body) => store.put(key, Readable.from([body]))));
    const won = outcomes.findIndex((outcome) => outcome.status === 'fulfilled');
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const lost = outcomes[1 - won] as PromiseRejectedResult;
    expectTaken(lost.reason as SeedError, key);
    const stored = await readFile(path.join(dir, 'database-backups', '20250101_000000_execution_1.json.gz'));
    expect(stored.equals(bodies[won] as Buffer)).toBe(true);
    // The loser's temp file is gone too.
    expect(await readdir(path.join(dir, 'database-backups'))).toEqual([
      '20250101_000000_execution_1.json.gz',
    ]);
  });

  it('never replaces a manifest', async () => {
    const key = 'database-backups/20250101_000000_execution_2.json.gz.manifest.json';
    await store.putSmall(key, '{"first":true}');
    expectTaken(await refusal(store.putSmall(key, '{"second":true}')), key);
    expect((await store.getSmall(key))?.toString()).toBe('{"first":true}');
  });
});

describe('S3 store on s3rver (which ignores If-None-Match)', () => {
  it('refuses to write over an existing object or manifest; both keep their bytes', async () => {
    const bucket = await createBucket('create-only');
    const { endpoint, accessKeyId, secretAccessKey } = s3Connection();
    const store = createS3Store(
      s3Config({ bucket: bucket.name, endpoint, forcePathStyle: true, checksums: 'WHEN_REQUIRED' }),
      { credentials: { accessKeyId, secretAccessKey } },
    );
    const key = 'database-backups/20250101_000000_execution_1.json.gz';
    const first = randomBytes(1000);
    await store.put(key, Readable.from([first]));
    expectTaken(await refusal(store.put(key, Readable.from([randomBytes(1000)]))), key);
    await store.putSmall(`${key}.manifest.json`, '{"first":true}');
    expectTaken(await refusal(store.putSmall(`${key}.manifest.json`, '{}')), `${key}.manifest.json`);

    const client = s3Client();
    try {
      const read = async (Key: string) =>
        Buffer.from(
          await (
            await client.send(new GetObjectCommand({ Bucket: bucket.name, Key }))
          ).Body!.transformToByteArray(),
        );
      expect((await read(key)).equals(first)).toBe(true);
      expect((await read(`${key}.manifest.json`)).toString()).toBe('{"first":true}');
    } finally {
      client.destroy();
    }
  });
});

describe('S3 store on an endpoint that honours If-None-Match (as AWS does)', () => {
  /** Every request the endpoint saw: method, query and its If-None-Match header. */
  const seen: Array<{ method: string; query: string; ifNoneMatch: string | undefined }> = [];
  let server: Server;
  let port: number;

  beforeAll(async () => {
    // HEAD says "no such object" (another writer is about to create it), and every conditional
    // write is answered 412 as AWS does when the key exists by the time the write lands.
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const query = [...url.searchParams.keys()].sort().join('&');
      seen.push({
        method: request.method ?? '',
        query,
        ifNoneMatch: request.headers['if-none-match'] as string,
      });
      request.on('data', () => undefined);
      request.on('end', () => {
        const xml = (status: number, body: string) => {
          response.writeHead(status, { 'content-type': 'application/xml' });
          response.end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
        };
        if (request.method === 'HEAD') {
          response.writeHead(404);
          response.end();
        } else if (request.headers['if-none-match'] === '*') {
          xml(
            412,
            '<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
          );
        } else if (request.method === 'POST' && url.searchParams.has('uploads')) {
          xml(
            200,
            '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>',
          );
        } else if (request.method === 'PUT' && url.searchParams.has('partNumber')) {
          response.writeHead(200, { etag: `"part-${url.searchParams.get('partNumber')}"` });
          response.end();
        } else if (request.method === 'DELETE') {
          response.writeHead(204);
          response.end();
        } else {
          xml(400, '<Error><Code>Unexpected</Code><Message>not expected by this test</Message></Error>');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  const store = () =>
    createS3Store(
      s3Config({
        bucket: 'ffs-conditional',
        endpoint: `http://127.0.0.1:${port}`,
        forcePathStyle: true,
        partSizeMb: 5,
        checksums: 'WHEN_REQUIRED',
      }),
      { credentials: { accessKeyId: 'AKIACONDITIONAL00001', secretAccessKey: 'conditional-secret' } },
    );

  it('a single-part upload is a conditional PutObject: refused when the key exists', async () => {
    seen.length = 0;
    const key = 'database-backups/20250101_000000_execution_1.json.gz';
    expectTaken(await refusal(store().put(key, Readable.from([randomBytes(1000)]))), key);
    expect(seen.find((request) => request.method === 'PUT')?.ifNoneMatch).toBe('*');
  });

  it('a multipart upload completes conditionally: refused when the key exists', async () => {
    seen.length = 0;
    const key = 'database-backups/20250101_000000_execution_2.json.gz';
    expectTaken(await refusal(store().put(key, Readable.from([randomBytes(6 * MiB)]))), key);
    const complete = seen.find(
      (request) => request.method === 'POST' && request.query.startsWith('uploadId'),
    );
    expect(complete?.ifNoneMatch).toBe('*');
    // The refused upload's parts are not left behind.
    expect(seen.some((request) => request.method === 'DELETE' && request.query.includes('uploadId'))).toBe(
      true,
    );
  });

  it('a manifest is a conditional PutObject too', async () => {
    seen.length = 0;
    const key = 'database-backups/20250101_000000_execution_3.json.gz.manifest.json';
    expectTaken(await refusal(store().putSmall(key, '{}')), key);
    expect(seen.find((request) => request.method === 'PUT')?.ifNoneMatch).toBe('*');
  });
});

describe('taking a backup when another database wins the race for its key', () => {
  it('takes it again under the next suffix; the winner’s backup stays as it was', async () => {
    const db = await freshDatabase('race');
    const dir = tempDir('foodfleet-race-');
    const folder = createLocalStore(dir, { prefix: 'database-backups/' });
    const at = new Date('2025-03-01T10:00:00.400Z');
    const plain = 'database-backups/20250301_100000_execution_7.json.gz';
    const theirs = Buffer.from('another database got here first');
    // Between take-backup's look at the store and its write, another writer creates the key.
    let raced = false;
    const racing: BackupStore = {
      ...folder,
      async put(key, body, options) {
        if (!raced) {
          raced = true;
          await folder.put(key, Readable.from([theirs]));
        }
        return folder.put(key, body, options);
      },
    };
    const { config } = loadConfig({ cwd: dir, env: { DATABASE_URL: db.url, SEED_BACKUP_DIR: dir } });
    const result = await usingDatabase(config, (database) =>
      takeBackup({
        database,
        store: racing,
        executionId: 7,
        takenBy: 'backup',
        config,
        now: () => at,
      }),
    );
    expect(result.key).toBe('database-backups/20250301_100000_execution_7-2.json.gz');
    expect(result.manifest.key).toBe(result.key);
    expect(await readFile(path.join(dir, ...plain.split('/')))).toEqual(theirs);
    expect((await folder.list('database-backups/')).map((object) => object.key).sort()).toEqual(
      [plain, result.key, `${result.key}.manifest.json`].sort(),
    );
    await db.close();
  });
});

function s3Config(overrides: Record<string, unknown>): S3Config {
  const s3 = configSchema.parse({ backup: { s3: overrides } }).backup.s3;
  if (!s3) throw new Error('no s3 config');
  return { ...s3, prefix: s3.prefix ?? 'database-backups/' };
}
