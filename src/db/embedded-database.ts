import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Kysely } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import lockfile from 'proper-lockfile';
import { beginKyselyTransaction, type Database } from './database.js';
import { PGliteDialect } from './pglite/pglite-dialect.js';
import { fillFromTemplate } from './pglite/data-dir-template.js';
import { DatabaseUnavailableError, LockedError } from '../errors.js';
import { Mutex } from '../util/mutex.js';
import type { AnyDB } from './any-kysely.js';

export interface EmbeddedOptions {
  dir: string;
  schema: string;
  /** Seconds to wait for another process that has the same data directory open. */
  lockTimeout: number;
}

/**
 * PostgreSQL writes every shared buffer when it starts: PGlite's default 128 MB is ≈ 110 MB of the
 * process's resident memory before the first query. The embedded database holds a few megabytes;
 * 32 MB keeps every page of it cached.
 */
const SMALL_SHARED_BUFFERS = ['-c', 'shared_buffers=32MB'];

/**
 * PGlite persisted in a folder. PGlite has no cross-process locking and its advisory locks do not
 * cross processes, so an OS-level lock file guards the data directory for as long as it is open.
 */
export async function openEmbedded(options: EmbeddedOptions): Promise<Database & { pglite: PGlite }> {
  await mkdir(dirname(options.dir), { recursive: true });
  await mkdir(options.dir, { recursive: true });
  const releaseFile = await lockDataDir(options.dir, options.lockTimeout);
  let pglite: PGlite;
  try {
    // The template only saves time: if it cannot be unpacked, PGlite's initdb makes the same files.
    await fillFromTemplate(options.dir).catch(() => false);
    pglite = await PGlite.create(options.dir, {
      startParams: [...PGlite.defaultStartParams, ...SMALL_SHARED_BUFFERS],
    });
  } catch (error) {
    await releaseFile();
    throw new DatabaseUnavailableError(
      `Cannot open the embedded database in ${options.dir}: ${(error as Error).message}. Nothing was changed.`,
      { cause: error },
    );
  }
  const kysely = new Kysely<AnyDB>({ dialect: new PGliteDialect({ pglite }) }).withSchema(options.schema);
  // One process owns the data dir (file lock); runs inside it are serialized by this mutex.
  const runLock = new Mutex();
  return {
    kind: 'embedded',
    kysely,
    schema: options.schema,
    description: `embedded PostgreSQL (PGlite) in ${options.dir}`,
    pglite,
    async acquireRunLock(timeoutMs) {
      if (!(await runLock.tryLock(timeoutMs))) return null;
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        runLock.unlock();
      };
    },
    beginTransaction: () => beginKyselyTransaction(kysely),
    async cancelRunning() {
      // PGlite runs in-process: statements are short and the runner checks for cancellation between them.
    },
    async close() {
      try {
        await kysely.destroy();
        await pglite.close();
      } finally {
        await releaseFile();
      }
    },
  };
}

async function lockDataDir(dir: string, timeoutSeconds: number): Promise<() => Promise<void>> {
  const retryEveryMs = 250;
  try {
    const release = await lockfile.lock(dir, {
      stale: 15_000,
      update: 5_000,
      retries: {
        retries: Math.ceil((timeoutSeconds * 1000) / retryEveryMs),
        minTimeout: retryEveryMs,
        maxTimeout: retryEveryMs,
        factor: 1,
      },
      // Losing the lock (e.g. the machine slept) must not crash mid-write; the next write fails loudly instead.
      onCompromised: () => undefined,
    });
    return async () => {
      await release().catch(() => undefined);
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new LockedError(
        `Another foodfleet-seed process has the embedded database ${dir} open (lock file ${dir}.lock); waited ${timeoutSeconds}s. ` +
          'Nothing was changed. Wait for it to finish, or raise --lock-timeout.',
      );
    }
    throw new DatabaseUnavailableError(
      `Cannot lock the embedded database directory ${dir}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
