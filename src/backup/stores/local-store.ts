import { open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OperationError } from '../../errors.js';
import type { BackupStore, PutResult, StoredObject } from '../store.js';
import { TEMP_PREFIX, writeFileAtomically } from './atomic-file.js';
import { DEFAULT_BACKUP_PREFIX } from '../keys.js';
import { createDigestTap } from '../digest-tap.js';
import { folderError } from './folder-errors.js';
import { KeyTakenError } from './key-taken.js';
import { assertKeyPrefix, assertObjectKey } from './object-key.js';
import { byCodeUnits } from '../../util/compare.js';

export interface LocalStoreOptions {
  /** Key prefix backups are written under (`backup.prefix`). */
  prefix?: string;
}

/**
 * Backups in a folder (`backup.dir`): each key is a relative path below it. Files appear whole
 * (temp name, fsync, link) and are never replaced (a taken key is a {@link KeyTakenError});
 * in-progress files start with `.` and are never listed.
 */
export function createLocalStore(dir: string, options: LocalStoreOptions = {}): BackupStore {
  const root = path.resolve(dir);
  const prefix = options.prefix ?? DEFAULT_BACKUP_PREFIX;
  assertKeyPrefix(prefix);
  const fileOf = (key: string): string => {
    assertObjectKey(key);
    return path.join(root, ...key.split('/'));
  };

  return {
    description: root,
    prefix,
    holdsReadsOpen: true,

    async put(key, body, putOptions): Promise<PutResult> {
      const file = fileOf(key);
      const tap = createDigestTap();
      // Whichever side fails first is the cause; pipeline then destroys the other with the same error.
      let firstFailure: 'source' | 'folder' | undefined;
      body.once('error', () => (firstFailure ??= 'source'));
      try {
        await writeFileAtomically(file, (sink) => {
          sink.once('error', () => (firstFailure ??= 'folder'));
          return pipeline(body, tap.stream, sink, { signal: putOptions?.signal });
        });
      } catch (error) {
        body.destroy();
        // The producer's own failure (e.g. the database) is the caller's to report, unchanged.
        if (firstFailure === 'source' && (error as Error).name !== 'AbortError') throw error;
        if (isTaken(error)) throw new KeyTakenError(key, root);
        throw folderError(error, 'write backup', root, key);
      }
      const { size, sha256 } = tap.digest();
      await assertStoredSize(file, key, size, root);
      return { key, size, sha256 };
    },

    async putSmall(key, body): Promise<void> {
      const file = fileOf(key);
      try {
        await writeFileAtomically(file, (sink) =>
          endWith(sink, typeof body === 'string' ? Buffer.from(body) : body),
        );
      } catch (error) {
        if (isTaken(error)) throw new KeyTakenError(key, root);
        throw folderError(error, 'write', root, key);
      }
    },

    async get(key, getOptions): Promise<Readable> {
      const file = fileOf(key);
      try {
        // Opening first turns a missing file into a clear error now rather than a stream error later.
        const handle = await open(file, 'r');
        if (!(await handle.stat()).isFile()) {
          await handle.close();
          throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
        }
        return handle.createReadStream({ signal: getOptions?.signal });
      } catch (error) {
        throw folderError(error, 'read', root, key);
      }
    },

    async head(key): Promise<StoredObject | null> {
      const file = fileOf(key);
      try {
        const found = await stat(file);
        return found.isFile() ? { key, size: found.size, lastModified: found.mtime } : null;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw folderError(error, 'read', root, key);
      }
    },

    async getSmall(key): Promise<Buffer | null> {
      const file = fileOf(key);
      try {
        return await readFile(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw folderError(error, 'read', root, key);
      }
    },

    async list(listPrefix): Promise<StoredObject[]> {
      assertKeyPrefix(listPrefix);
      // Only the folder the prefix names needs walking: `a/b/2025` starts at `a/b`.
      const base = listPrefix.includes('/') ? listPrefix.slice(0, listPrefix.lastIndexOf('/')) : '';
      try {
        const found: StoredObject[] = [];
        await walk(root, base, listPrefix, found);
        return found.sort((a, b) => byCodeUnits(a.key, b.key));
      } catch (error) {
        throw folderError(error, 'list backups', root);
      }
    },

    async delete(keys): Promise<void> {
      const files = keys.map(fileOf); // every key is checked before anything is deleted
      for (const [index, file] of files.entries()) {
        try {
          await unlink(file);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
            throw folderError(error, 'delete', root, keys[index]);
        }
      }
    },
  };
}

/** Recursively collects files under `root/relative` whose key starts with `prefix`. */
async function walk(root: string, relative: string, prefix: string, found: StoredObject[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(path.join(root, ...relative.split('/').filter(Boolean)), { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw error;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(TEMP_PREFIX)) continue;
    const key = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(root, key, prefix, found);
    } else if (entry.isFile() && key.startsWith(prefix)) {
      const info = await stat(path.join(root, ...key.split('/')));
      found.push({ key, size: info.size, lastModified: info.mtime });
    }
  }
}

function isTaken(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EEXIST';
}

async function assertStoredSize(file: string, key: string, expected: number, root: string): Promise<void> {
  const { size } = await stat(file);
  if (size !== expected) {
    throw new OperationError(
      'BACKUP_FAILED',
      `Backup ${key} in ${root} holds ${size} bytes but ${expected} were written: the file is not trustworthy. ` +
        'Check the disk, then take the backup again.',
    );
  }
}

function endWith(sink: Writable, data: Buffer): Promise<void> {
  return pipeline(Readable.from([data]), sink);
}
