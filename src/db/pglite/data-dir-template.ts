import { createReadStream } from 'node:fs';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';
import { createGunzip } from 'node:zlib';
import { findPackage, packageRoot } from '../../package-root.js';

/**
 * A freshly initialized PGlite data directory, built by `npm run build` and shipped in the
 * package. PGlite's own `initdb` starts a second PostgreSQL in WASM (≈ 2.7 s, ≈ 950 MB peak RSS);
 * unpacking the same files costs a few hundred milliseconds and then opens like an existing
 * folder. The template is only an optimization: when it is missing or was built by another
 * PGlite version, the caller lets PGlite run `initdb` as before.
 */
const TEMPLATE_DIR = join(packageRoot(), 'dist', 'embedded-template');
export const TEMPLATE_ARCHIVE = join(TEMPLATE_DIR, 'pgdata.tar.gz');
export const TEMPLATE_VERSION_FILE = join(TEMPLATE_DIR, 'pglite-version.txt');

/** The installed PGlite's version, read from its package.json (not exported by the package). */
export async function installedPGliteVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  return findPackage('@electric-sql/pglite', dirname(entry)).version;
}

/** True when a template built by exactly the installed PGlite version is present. */
async function templateMatches(): Promise<boolean> {
  try {
    const [built, installed] = await Promise.all([
      readFile(TEMPLATE_VERSION_FILE, 'utf8'),
      installedPGliteVersion(),
    ]);
    return built.trim() === installed;
  } catch {
    return false;
  }
}

/**
 * Fills the empty data directory `dir` from the shipped template. Returns false (and leaves
 * `dir` as it was) when there is no matching template or `dir` is not empty; throws (leaving `dir`
 * empty) when unpacking fails. The files are
 * unpacked into a sibling folder and moved into place only when complete, so a crash midway
 * never leaves a half-written database that PGlite would take for an existing one.
 */
export async function fillFromTemplate(dir: string): Promise<boolean> {
  if ((await readdir(dir)).length > 0 || !(await templateMatches())) return false;
  const staging = `${dir}.init-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    await untarGzip(TEMPLATE_ARCHIVE, staging);
    await rmdir(dir);
    try {
      await rename(staging, dir);
    } catch (error) {
      await mkdir(dir, { recursive: true });
      throw error;
    }
    return true;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Unpacks a gzipped ustar archive (as PGlite's `dumpDataDir` writes it: regular files and
 * directories only) into `target`, streaming: the 16 MB WAL segment is never held whole.
 */
async function untarGzip(archive: string, target: string): Promise<void> {
  mkdirSync(target, { recursive: true, mode: 0o700 });
  let pending: Buffer = Buffer.alloc(0);
  let file: { fd: number; left: number; pad: number } | null = null;
  let ended = false;
  const source = createReadStream(archive);
  const gunzip = createGunzip();
  // pipe() does not forward a read error: hand it to the stream being iterated, which rethrows it.
  source.once('error', (error) => gunzip.destroy(error));
  try {
    for await (const chunk of source.pipe(gunzip) as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      while (!ended) {
        if (file) {
          const take = Math.min(file.left, pending.length - at);
          if (take > 0) writeSync(file.fd, pending, at, take);
          at += take;
          file.left -= take;
          if (file.left > 0) break;
          if (pending.length - at < file.pad) break;
          at += file.pad;
          closeSync(file.fd);
          file = null;
          continue;
        }
        if (pending.length - at < 512) break;
        const header = pending.subarray(at, at + 512);
        at += 512;
        if (header.every((byte) => byte === 0)) {
          ended = true;
          break;
        }
        const entry = parseHeader(header);
        const path = safeJoin(target, entry.name);
        if (entry.type === '5') {
          mkdirSync(path, { recursive: true, mode: 0o700 });
        } else if (entry.type === '0' || entry.type === '\0') {
          mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
          file = { fd: openSync(path, 'w', 0o600), left: entry.size, pad: (512 - (entry.size % 512)) % 512 };
        } else {
          throw new Error(`unexpected tar entry type ${JSON.stringify(entry.type)} for ${entry.name}`);
        }
      }
      pending = pending.subarray(at);
    }
  } finally {
    source.destroy();
    // A file still open here means the archive ended (or failed) inside it.
    if (file) closeSync(file.fd);
  }
  if (file) throw new Error('the template archive is truncated');
  if (!ended) throw new Error('the template archive has no end marker');
}

function parseHeader(header: Buffer): { name: string; size: number; type: string } {
  const text = (from: number, length: number) => {
    const field = header.subarray(from, from + length);
    const end = field.indexOf(0);
    return field.subarray(0, end === -1 ? length : end).toString('utf8');
  };
  const name = text(0, 100);
  const prefix = text(345, 155);
  const size = Number.parseInt(text(124, 12).trim() || '0', 8);
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`bad tar size for ${name}`);
  return { name: prefix ? `${prefix}/${name}` : name, size, type: String.fromCharCode(header[156] ?? 0) };
}

/** Joins an archive path under `target`, refusing anything that would land outside it. */
function safeJoin(target: string, name: string): string {
  const path = normalize(join(target, name));
  if (path !== target && !path.startsWith(target + sep))
    throw new Error(`tar entry outside the target: ${name}`);
  return path;
}
