// Runs s3rver in its own Node process, started by s3-server.ts with
// `--openssl-legacy-provider`: s3rver 3.7.1 encrypts ListObjectsV2 continuation
// tokens with DES, which OpenSSL 3 only offers through its legacy provider.
// Usage (via child_process.fork): node --openssl-legacy-provider s3rver-child.mjs <directory>
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';

const directory = process.argv[2];

function fail(message) {
  process.send?.({ type: 'error', message });
  process.exit(1);
}

if (!directory) fail('usage: s3rver-child.mjs <directory>');
try {
  createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
} catch (error) {
  fail(`DES is unavailable even with --openssl-legacy-provider: ${error.message}`);
}

const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
durablePutObject(server.store);
try {
  const { port } = await server.run();
  process.send?.({ type: 'ready', port });
} catch (error) {
  fail(`s3rver failed to start: ${error.message}`);
}

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  await server.close().catch(() => undefined);
  process.exit(0);
}
// The parent disconnects (or dies) at teardown.
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

/**
 * s3rver 3.7.1's FilesystemStore.putObject answers the PUT when its hashing stream has finished,
 * not when the file is written: a HEAD right after it (the tool verifies every upload that way)
 * then sometimes sees 0 bytes. Real S3 answers only once the object is stored; so does this.
 */
function durablePutObject(store) {
  store.putObject = async function putObject(object) {
    const file = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(path.dirname(file), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const counted = new Transform({
      transform(chunk, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    await pipeline(source, counted, createWriteStream(file));
    const digest = md5.digest('hex');
    await this.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}
