import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';

/** In-progress files start with `.`, which object keys may not (see object-key.ts): never listed. */
export const TEMP_PREFIX = '.';

/**
 * Writes `target` so that it appears whole or not at all: the data goes to a temp name in the same
 * folder, is fsynced, then renamed over the target, and the folder is fsynced so the rename survives
 * a power cut. A failure leaves no temp file behind. Files are owner-only: backups hold user data.
 */
export async function writeFileAtomically(
  target: string,
  write: (sink: Writable) => Promise<void>,
): Promise<void> {
  const dir = path.dirname(target);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(
    dir,
    `${TEMP_PREFIX}${path.basename(target)}.${randomBytes(6).toString('hex')}.partial`,
  );
  const handle = await open(temp, 'wx', 0o600);
  let closed = false;
  let renamed = false;
  try {
    await write(fileSink(handle));
    await handle.sync();
    closed = true;
    await handle.close();
    await rename(temp, target);
    renamed = true;
    await syncDirectory(dir);
  } finally {
    if (!closed) await handle.close().catch(() => undefined);
    if (!renamed) await rm(temp, { force: true }).catch(() => undefined);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot open or fsync a directory; the rename itself is still atomic.
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? ''))
      throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * A Writable onto an open handle that leaves closing to us: fs.WriteStream with autoClose off never
 * emits 'close', so a pipeline into it would never settle.
 */
function fileSink(handle: FileHandle): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      handle.write(chunk).then(() => callback(), callback);
    },
    writev(chunks, callback) {
      handle.writev(chunks.map(({ chunk }) => chunk as Buffer)).then(() => callback(), callback);
    },
  });
}
