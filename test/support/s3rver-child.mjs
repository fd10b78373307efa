// Runs s3rver in its own Node process, started by s3-server.ts with
// `--openssl-legacy-provider`: s3rver 3.7.1 encrypts ListObjectsV2 continuation
// tokens with DES, which OpenSSL 3 only offers through its legacy provider.
// Usage (via child_process.fork): node --openssl-legacy-provider s3rver-child.mjs <directory>
import { createCipheriv } from 'node:crypto';
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
