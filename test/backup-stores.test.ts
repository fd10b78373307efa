import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes, createHash } from 'node:crypto';
import { readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/schema.js';
import type { BackupStore } from '../src/backup/store.js';
import { createLocalStore } from '../src/backup/stores/local-store.js';
import { openStore } from '../src/backup/stores/open-store.js';
import type { S3Config, S3Credentials } from '../src/backup/stores/s3-client.js';
import { createS3Store } from '../src/backup/stores/s3-store.js';
import { verifyStored } from '../src/backup/stores/s3-verify.js';
import { createWithDeadline } from '../src/backup/stores/with-deadline.js';
import { ConfigError, SeedError } from '../src/errors.js';
import { createBucket, s3Client, s3Connection, tempDir } from './support/index.js';

const MiB = 1024 * 1024;
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** `total` bytes of random data, delivered as a stream of 64 KiB chunks, plus the whole for comparison. */
function randomStream(total: number): { data: Buffer; stream: () => Readable } {
  const data = randomBytes(total);
  return {
    data,
    stream: () =>
      Readable.from(
        (function* () {
          for (let offset = 0; offset < total; offset += 64 * 1024)
            yield data.subarray(offset, offset + 64 * 1024);
        })(),
      ),
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The settled rejection of `promise` and how long it took to get there. */
async function failure(promise: Promise<unknown>): Promise<{ error: SeedError; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error: error as SeedError, ms: Date.now() - started };
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

function s3Config(overrides: Record<string, unknown>): S3Config {
  const s3 = configSchema.parse({ backup: { s3: { bucket: 'placeholder', ...overrides } } }).backup.s3;
  if (!s3) throw new Error('no s3 config');
  return { ...s3, prefix: s3.prefix ?? 'database-backups/' };
}

const BAD_KEYS = [
  '../escape.json.gz',
  'database-backups/../../etc/passwd',
  '/etc/passwd',
  'C:/backups/x',
  'a\\b.json.gz',
  'a//b.json.gz',
  'a/b/',
  '',
  '.hidden.json.gz',
  'a/./b',
];

describe('S3 store (s3rver over the real protocol)', () => {
  let bucket: string;
  let credentials: S3Credentials;
  let endpoint: string;
  let raw: S3Client;
  let store: BackupStore;

  beforeAll(async () => {
    bucket = (await createBucket('stores')).name;
    const connection = s3Connection();
    endpoint = connection.endpoint;
    credentials = { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey };
    raw = s3Client();
    // 5 MiB parts (the S3 minimum) so a few MiB already take the multipart path.
    store = createS3Store(s3Config({ bucket, endpoint, forcePathStyle: true, partSizeMb: 5, timeout: 10 }), {
      credentials,
    });
  });

  afterAll(() => raw?.destroy());

  it('describes itself without credentials', () => {
    expect(store.description).toBe(`s3://${bucket}/database-backups/`);
    expect(store.prefix).toBe('database-backups/');
  });

  it.each([
    ['a multipart upload', 12 * MiB + 12345],
    ['a single-part upload', 1 * MiB + 7],
    ['an empty object', 0],
  ])(
    'streams %s byte for byte, with its sha256 and size, and no aws-chunked framing in the object',
    async (_name, size) => {
      const { data, stream } = randomStream(size);
      const key = `database-backups/20250115_120000_execution_${size}.json.gz`;
      const result = await store.put(key, stream(), { contentType: 'application/gzip' });
      expect(result).toEqual({ key, size, sha256: sha256(data) });

      const back = await readAll(await store.get(key));
      expect(back.length).toBe(size);
      expect(back.equals(data)).toBe(true);

      // Read the stored object with a separate client: exactly the bytes sent, nothing around them.
      const object = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const stored = Buffer.from(await object.Body!.transformToByteArray());
      expect(stored.length).toBe(size);
      expect(sha256(stored)).toBe(sha256(data));
      expect(stored.includes('chunk-signature')).toBe(false);
      expect(object.ContentType).toBe('application/gzip');
    },
  );

  it('keeps going while the producer is slower than the timeout (only the store stalling counts)', async () => {
    // 3 s, not 1: on a loaded 2-core CI runner s3rver itself once took over a second to answer.
    const slowStore = createS3Store(s3Config({ bucket, endpoint, forcePathStyle: true, timeout: 3 }), {
      credentials,
    });
    const parts = [randomBytes(1000), randomBytes(1000)];
    const body = Readable.from(
      (async function* () {
        yield parts[0]!;
        await sleep(4500); // e.g. the database taking its time on a large table
        yield parts[1]!;
      })(),
    );
    const result = await slowStore.put('database-backups/slow-producer.json.gz', body);
    expect(result.size).toBe(2000);
    expect(result.sha256).toBe(sha256(Buffer.concat(parts)));
  });

  it('reports the producer’s own error unchanged and stores nothing', async () => {
    const boom = new Error('database connection lost');
    const body = Readable.from(
      (async function* () {
        yield randomBytes(1000);
        throw boom;
      })(),
    );
    const { error } = await failure(store.put('database-backups/broken.json.gz', body));
    expect(error).toBe(boom);
    const listed = await store.list('database-backups/broken');
    expect(listed).toEqual([]);
  });

  it('refuses to trust an object the server stored differently (aws-chunked framing kept in the object)', async () => {
    // A streamed PutObject with the SDK's default checksums: s3rver keeps the chunk framing as data.
    const defaults = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    try {
      const body = Readable.from([Buffer.from('hello world')]);
      await defaults.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'framed/a.json.gz', Body: body, ContentLength: 11 }),
      );
    } finally {
      defaults.destroy();
    }
    const s3 = s3Config({ bucket, endpoint, forcePathStyle: true });
    const deadline = createWithDeadline(5000, (error) => error as SeedError);
    const expected = { key: 'framed/a.json.gz', size: 11, sha256: sha256(Buffer.from('hello world')) };
    const { error } = await failure(verifyStored(raw, s3, deadline, expected));
    expect(error.code).toBe('BACKUP_FAILED');
    expect(error.message).toContain('framed/a.json.gz');
    expect(error.message).toMatch(/holds \d+ bytes but 11 were sent/);
    expect(error.message).toContain('backup.s3.checksums');
    // Same size, different bytes: caught by reading back.
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'framed/b.json.gz', Body: 'hello_world' }));
    const sameSize = await failure(verifyStored(raw, s3, deadline, { ...expected, key: 'framed/b.json.gz' }));
    expect(sameSize.error.message).toContain('does not read back with the SHA-256 that was sent');
    await verifyStored(raw, s3, deadline, {
      key: 'framed/b.json.gz',
      size: 11,
      sha256: sha256(Buffer.from('hello_world')),
    });
  });

  it('stops an upload when cancelled, storing nothing', async () => {
    const controller = new AbortController();
    const body = new PassThrough();
    const putting = store.put('database-backups/cancelled.json.gz', body, { signal: controller.signal });
    body.write(randomBytes(100_000));
    await sleep(50);
    controller.abort();
    const { error, ms } = await failure(putting);
    expect(error.code).toBe('CANCELLED');
    expect(ms).toBeLessThan(1000);
    expect(await store.list('database-backups/cancelled')).toEqual([]);
  });

  it('stops an upload cancelled before it started sending (during the key check), storing nothing', async () => {
    const controller = new AbortController();
    const body = new PassThrough(); // never ended: only the cancel can finish this upload
    const putting = store.put('database-backups/cancelled-early.json.gz', body, {
      signal: controller.signal,
    });
    controller.abort();
    const { error, ms } = await failure(putting);
    expect(error.code).toBe('CANCELLED');
    expect(ms).toBeLessThan(1000);
    expect(await store.list('database-backups/cancelled-early')).toEqual([]);
  });

  it('writes and reads small objects; a missing one reads as null', async () => {
    const manifest = JSON.stringify({ sha256: 'abc', size: 3 });
    await store.putSmall('database-backups/x.manifest.json', manifest);
    expect((await store.getSmall('database-backups/x.manifest.json'))?.toString()).toBe(manifest);
    await store.putSmall('database-backups/x.bin', Buffer.from([0, 1, 2, 255]));
    expect(await store.getSmall('database-backups/x.bin')).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(await store.getSmall('database-backups/missing.manifest.json')).toBeNull();
  });

  it('fails clearly when getting a key that does not exist', async () => {
    const { error } = await failure(store.get('database-backups/19990101_000000_execution_1.json.gz'));
    expect(error).toBeInstanceOf(SeedError);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('database-backups/19990101_000000_execution_1.json.gz');
    expect(error.message).toContain(`s3://${bucket}/database-backups/`);
  });

  it('lists every object under a prefix past 1,000 (all pages) and deletes in batches of at most 1,000', async () => {
    const keys = Array.from({ length: 1100 }, (_, i) => `many/${String(i).padStart(4, '0')}.json.gz`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys
          .slice(i, i + 50)
          .map((Key) => raw.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }))),
      );
    }
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'many-not-this/other.json.gz', Body: 'y' }));

    const listed = await store.list('many/');
    expect(listed.map((object) => object.key)).toEqual(keys);
    expect(listed[0]).toMatchObject({ size: 1 });
    expect(listed[0]?.lastModified).toBeInstanceOf(Date);

    await store.delete(keys.slice(0, 1050));
    expect((await store.list('many/')).map((object) => object.key)).toEqual(keys.slice(1050));
    await store.delete(['many/never-existed.json.gz']); // deleting what is gone is not an error
  });

  it('refuses bad keys before any request', async () => {
    for (const key of BAD_KEYS) {
      const { error } = await failure(store.put(key, Readable.from([Buffer.from('x')])));
      expect(error.code, key).toBe('USAGE');
      expect((await failure(store.get(key))).error.code).toBe('USAGE');
    }
    expect((await failure(store.delete(['ok/key.json.gz', '../bad']))).error.code).toBe('USAGE');
    expect((await failure(store.list('../'))).error.code).toBe('USAGE');
  });

  it.each([
    ['AES256', {}],
    ['aws:kms', { kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/test' }],
  ])('passes server-side encryption %s through', async (sse, extra) => {
    const encrypted = createS3Store(s3Config({ bucket, endpoint, forcePathStyle: true, sse, ...extra }), {
      credentials,
    });
    const { data, stream } = randomStream(200_000);
    const result = await encrypted.put(`sse/${sse}.json.gz`, stream());
    expect(result.sha256).toBe(sha256(data));
    await encrypted.putSmall(`sse/${sse}.manifest.json`, '{}');
  });

  it('refuses a KMS key id without aws:kms encryption', () => {
    expect(() => createS3Store(s3Config({ bucket, endpoint, kmsKeyId: 'k' }), { credentials })).toThrow(
      ConfigError,
    );
  });

  it('fails clearly when the bucket does not exist', async () => {
    const missing = createS3Store(
      s3Config({ bucket: 'ffs-no-such-bucket', endpoint, forcePathStyle: true }),
      { credentials },
    );
    const { error } = await failure(
      missing.put('database-backups/a.json.gz', Readable.from([Buffer.from('x')])),
    );
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toMatch(/bucket "ffs-no-such-bucket" does not exist/);
    expect(error.message).toContain('S3_BUCKET_NAME');
    expect(error.message).toContain('Nothing was stored under this key.');
  });

  it('fails clearly, without printing credentials, when the access key is unknown', async () => {
    // s3rver checks the access key id (it does not verify SigV4 signatures, so a wrong secret passes).
    const accessKeyId = 'AKIAUNKNOWNTESTKEY01';
    const secret = 'wrong-secret-Zq8vX1do-not-print';
    const denied = createS3Store(s3Config({ bucket, endpoint, forcePathStyle: true }), {
      credentials: { accessKeyId, secretAccessKey: secret },
    });
    for (const operation of [
      () => denied.list('database-backups/'),
      () => denied.put('database-backups/d.json.gz', randomStream(10).stream()),
    ]) {
      const { error } = await failure(operation());
      expect(error.code).toBe('STORE_UNAVAILABLE');
      expect(error.message).toMatch(/access denied by 127\.0\.0\.1:\d+ \(InvalidAccessKeyId\)/);
      expect(error.message).toContain('AWS_SECRET_ACCESS_KEY');
      expect(error.message).not.toContain(secret);
      expect(error.message).not.toContain(accessKeyId);
    }
  });
});

describe('S3 store against endpoints that do not answer', () => {
  const secret = 'hang-test-secret-9f3Kq0-must-not-appear';
  const credentials = { accessKeyId: 'AKIAHANGTESTKEY00001', secretAccessKey: secret };
  let silent: NetServer;
  let silentPort: number;
  const sockets = new Set<Socket>();
  let stalling: HttpServer;
  let stallingPort: number;

  beforeAll(async () => {
    // Accepts connections, reads the request, never answers.
    silent = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    silentPort = await listen(silent);
    // Answers a GET with headers and the first bytes of the body, then stalls.
    stalling = createHttpServer((request, response) => {
      response.writeHead(200, { 'content-length': '100000', 'content-type': 'application/gzip' });
      response.write(Buffer.alloc(1000, 1));
      request.socket.on('error', () => undefined);
    });
    stallingPort = await listen(stalling);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    stalling?.closeAllConnections();
    await Promise.all([new Promise((r) => silent?.close(r)), new Promise((r) => stalling?.close(r))]);
  });

  const hanging = (port: number) =>
    createS3Store(
      s3Config({
        bucket: 'ffs-hang',
        endpoint: `http://127.0.0.1:${port}`,
        forcePathStyle: true,
        timeout: 2,
      }),
      { credentials },
    );

  it('fails an upload within the timeout when the endpoint accepts but never answers', async () => {
    const { stream } = randomStream(64 * 1024);
    const { error, ms } = await failure(hanging(silentPort).put('database-backups/hang.json.gz', stream()));
    expect(ms).toBeLessThan(4000);
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toContain('no answer');
    expect(error.message).toContain(`127.0.0.1:${silentPort}`);
    expect(error.message).toContain('s3://ffs-hang/database-backups/');
    expect(error.message).toContain('backup.s3.timeout');
    expect(error.message).not.toContain(secret);
    // Nothing keeps going after the upload gave up: no request (or retry) stays open.
    await until(async () => sockets.size === 0, 1000);
  });

  it('fails a multipart upload within the timeout too', async () => {
    const { stream } = randomStream(6 * MiB);
    const store = createS3Store(
      s3Config({
        bucket: 'ffs-hang',
        endpoint: `http://127.0.0.1:${silentPort}`,
        forcePathStyle: true,
        timeout: 2,
        partSizeMb: 5,
      }),
      { credentials },
    );
    const { error, ms } = await failure(store.put('database-backups/hang-multi.json.gz', stream()));
    expect(ms).toBeLessThan(4000);
    expect(error.message).toContain('no answer');
    await until(async () => sockets.size === 0, 1000);
  });

  it('fails list, get and small reads within the timeout', async () => {
    const store = hanging(silentPort);
    for (const operation of [
      () => store.list('database-backups/'),
      () => store.get('database-backups/a.json.gz'),
      () => store.getSmall('a.json'),
    ]) {
      const { error, ms } = await failure(operation());
      expect(ms).toBeLessThan(4000);
      expect(error.code).toBe('STORE_UNAVAILABLE');
      expect(error.message).toContain('no answer');
      expect(error.message).not.toContain(secret);
      await until(async () => sockets.size === 0, 1000);
    }
  });

  it('fails a download that stalls midway within the timeout', async () => {
    const stream = await hanging(stallingPort).get('database-backups/a.json.gz');
    const started = Date.now();
    const { error } = await failure(readAll(stream));
    expect(Date.now() - started).toBeLessThan(4000);
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toContain('Reading s3://ffs-hang/database-backups/a.json.gz');
    expect(error.message).toContain('no answer');
  });

  it('fails within seconds when the connection is refused', async () => {
    const closed = createNetServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    const store = hanging(port);
    for (const operation of [
      () => store.list('database-backups/'),
      () => store.put('database-backups/b.json.gz', randomStream(1000).stream()),
    ]) {
      const { error, ms } = await failure(operation());
      expect(ms).toBeLessThan(3000);
      expect(error.code).toBe('STORE_UNAVAILABLE');
      expect(error.message).toContain('ECONNREFUSED');
      expect(error.message).toContain(`127.0.0.1:${port}`);
      expect(error.message).toContain('S3_ENDPOINT');
      expect(error.message).not.toContain(secret);
    }
  });
});

describe('local folder store', () => {
  let dir: string;
  let store: BackupStore;

  beforeAll(() => {
    dir = tempDir('foodfleet-store-');
    store = createLocalStore(dir, { prefix: 'database-backups/' });
  });

  it('streams a backup to a file byte for byte, with its sha256 and size, owner-only', async () => {
    const { data, stream } = randomStream(5 * MiB + 3);
    const key = 'database-backups/20250115_120000_execution_5.json.gz';
    expect(await store.put(key, stream())).toEqual({ key, size: data.length, sha256: sha256(data) });
    const file = path.join(dir, 'database-backups', '20250115_120000_execution_5.json.gz');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readAll(await store.get(key))).equals(data)).toBe(true);
    expect(store.description).toBe(path.resolve(dir));
  });

  it('writes and reads small objects; a missing one reads as null; a missing get fails clearly', async () => {
    await store.putSmall('database-backups/m.manifest.json', '{"a":1}');
    expect((await store.getSmall('database-backups/m.manifest.json'))?.toString()).toBe('{"a":1}');
    expect(await store.getSmall('database-backups/none.manifest.json')).toBeNull();
    const { error } = await failure(store.get('database-backups/none.json.gz'));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('database-backups/none.json.gz');
    // The API answers with this message: the key, never the server's folder.
    expect(error.message).not.toContain(path.resolve(dir));
  });

  it('never lists a half-written backup, and lists it once whole', async () => {
    const body = new PassThrough();
    const key = 'database-backups/20250116_000000_execution_6.json.gz';
    const putting = store.put(key, body);
    body.write(randomBytes(100_000));
    await until(async () =>
      (await readdir(path.join(dir, 'database-backups'))).some((name) => name.includes('execution_6')),
    );
    expect(
      (await readdir(path.join(dir, 'database-backups'))).filter((name) => name.includes('execution_6'))[0],
    ).toMatch(/^\./);
    expect((await store.list('database-backups/')).map((object) => object.key)).not.toContain(key);
    body.end(randomBytes(1000));
    expect((await putting).size).toBe(101_000);
    expect((await store.list('database-backups/')).map((object) => object.key)).toContain(key);
  });

  it('lists recursively under the prefix, with sizes and times, ignoring temp files and other prefixes', async () => {
    const own = createLocalStore(tempDir('foodfleet-list-'));
    await own.putSmall('database-backups/2025/a.json.gz', 'aa');
    await own.putSmall('database-backups/b.json.gz', 'bbb');
    await own.putSmall('database-backups-old/c.json.gz', 'c');
    await own.putSmall('other/d.json.gz', 'd');
    await writeFile(path.join(own.description, 'database-backups', '.e.json.gz.1234.partial'), 'half');
    await mkdir(path.join(own.description, 'database-backups', '.hidden'), { recursive: true });
    await writeFile(path.join(own.description, 'database-backups', '.hidden', 'f.json.gz'), 'f');
    const listed = await own.list('database-backups/');
    expect(listed.map(({ key, size }) => ({ key, size }))).toEqual([
      { key: 'database-backups/2025/a.json.gz', size: 2 },
      { key: 'database-backups/b.json.gz', size: 3 },
    ]);
    expect(listed[0]?.lastModified).toBeInstanceOf(Date);
    expect((await own.list('database-backups')).map((o) => o.key)).toContain(
      'database-backups-old/c.json.gz',
    );
    expect((await own.list('')).length).toBe(4);
    expect(await createLocalStore(path.join(own.description, 'nope')).list('database-backups/')).toEqual([]);
  });

  it('deletes, ignoring keys that are already gone', async () => {
    await store.putSmall('database-backups/del-1.json.gz', '1');
    await store.putSmall('database-backups/del-2.json.gz', '2');
    await store.delete([
      'database-backups/del-1.json.gz',
      'database-backups/del-2.json.gz',
      'database-backups/del-3.json.gz',
    ]);
    expect((await store.list('database-backups/del-')).length).toBe(0);
  });

  it('refuses bad keys and prefixes, touching nothing', async () => {
    for (const key of BAD_KEYS) {
      const { error } = await failure(store.put(key, Readable.from([Buffer.from('x')])));
      expect(error.code, key).toBe('USAGE');
      expect(error.message).toContain('Invalid backup key');
      expect((await failure(store.getSmall(key))).error.code).toBe('USAGE');
    }
    expect((await failure(store.delete(['database-backups/ok.json.gz', '../x']))).error.code).toBe('USAGE');
    expect((await failure(store.list('/etc/'))).error.code).toBe('USAGE');
    expect(() => createLocalStore(dir, { prefix: '../' })).toThrow(SeedError);
  });

  it('leaves nothing behind when the producer fails or the put is cancelled', async () => {
    const own = createLocalStore(tempDir('foodfleet-fail-'));
    const boom = new Error('database connection lost');
    const failing = Readable.from(
      (async function* () {
        yield randomBytes(10_000);
        throw boom;
      })(),
    );
    expect((await failure(own.put('database-backups/x.json.gz', failing))).error).toBe(boom);

    const controller = new AbortController();
    const body = new PassThrough();
    const putting = own.put('database-backups/y.json.gz', body, { signal: controller.signal });
    body.write(randomBytes(10_000));
    await sleep(50);
    controller.abort();
    expect((await failure(putting)).error.code).toBe('CANCELLED');

    expect(await readdir(path.join(own.description, 'database-backups'))).toEqual([]);
  });

  it('reports an unwritable folder as the store being unavailable', async () => {
    const parent = tempDir('foodfleet-ro-');
    await writeFile(path.join(parent, 'file'), 'not a folder');
    const broken = createLocalStore(path.join(parent, 'file'));
    const { error } = await failure(broken.putSmall('database-backups/a.json', '{}'));
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toContain(path.join(parent, 'file'));
  });
});

describe('openStore', () => {
  it('chooses the local folder without a bucket, warning only when the database is not the embedded one', async () => {
    const dir = tempDir('foodfleet-open-');
    const config = configSchema.parse({ backup: { dir } });
    const embedded = await openStore(config, { kind: 'embedded' });
    expect(embedded.store.description).toBe(path.resolve(dir));
    expect(embedded.warnings).toEqual([]);
    const server = await openStore(config, { kind: 'postgres' });
    expect(server.warnings).toHaveLength(1);
    expect(server.warnings[0]).toContain('a backup on the same disk is not disaster recovery');
    expect((await openStore(config, null)).warnings).toEqual([]);
  });

  it('chooses S3 when a bucket is configured', async () => {
    const bucket = await createBucket('open');
    const { endpoint, accessKeyId, secretAccessKey } = s3Connection();
    const config = configSchema.parse({
      backup: { s3: { bucket: bucket.name, endpoint, forcePathStyle: true, prefix: 'nightly/' } },
    });
    const { store, warnings } = await openStore(
      config,
      { kind: 'postgres' },
      { credentials: { accessKeyId, secretAccessKey } },
    );
    expect(warnings).toEqual([]);
    expect(store.description).toBe(`s3://${bucket.name}/nightly/`);
    expect(store.prefix).toBe('nightly/');
    await store.putSmall('nightly/a.manifest.json', '{}');
    expect((await store.list('nightly/')).map((o) => o.key)).toEqual(['nightly/a.manifest.json']);
  });
});

function listen(server: NetServer | HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await sleep(10);
  }
}
