import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';

/** In-progress files start with `.`, which object keys may not (see object-key.ts): never listed. */
export const TEMP_PREFIX = '.';

/** Errors of link() on file systems without hard links (FAT, some network and FUSE mounts). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * Writes `target` so that it appears whole or not at all, and only if nothing holds that name yet:
 * the data goes to a temp name in the same folder, is fsynced, then hard-linked to the target —
 * link() never replaces, so two writers racing for one name cannot both win — and the folder is
 * fsynced so the new name survives a power cut. When the target exists the write fails with an
 * `EEXIST` error and nothing changes. A failure leaves no temp file behind. Files are owner-only:
 * backups hold user data.
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
    renamed = await publish(temp, target);
    await syncDirectory(dir);
  } finally {
    if (!closed) await handle.close().catch(() => undefined);
    if (!renamed) await rm(temp, { force: true }).catch(() => undefined);
  }
}

/**
 * Gives the finished temp file its final name without replacing anything there. Returns whether
 * the temp name is gone (renamed) or still to be removed (linked). Throws EEXIST when taken.
 */
async function publish(temp: string, target: string): Promise<boolean> {
  try {
    await link(temp, target);
    return false;
  } catch (error) {
    if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
  // No hard links here: claim the name with an exclusive create, then move the data over the claim.
  // A crash in between leaves an empty file, which has no manifest and is never listed as complete.
  await (await open(target, 'wx', 0o600)).close();
  await rename(temp, target);
  return true;
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
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
