import { constants } from 'node:fs';
import { access, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { takeInventory } from '../backup/catalog.js';
import { createLocalStore } from '../backup/stores/local-store.js';
import { activePrefix } from '../backup/stores/open-store.js';
import type { Config } from '../config/schema.js';
import { type CheckRunner, fail, type Finding, ok, warn } from './check.js';
import { formatBytes } from '../util/format-bytes.js';

/**
 * Checks the backup store: the S3 bucket (checks loaded only when S3 is configured, with the AWS
 * SDK), else the local folder — writable, and room for another backup like the last one.
 */
export async function checkStore(runner: CheckRunner, config: Config): Promise<void> {
  const s3 = config.backup.s3;
  if (s3?.bucket) {
    const { checkBucket } = await import('./s3-bucket-checks.js');
    await checkBucket(runner, { ...s3, prefix: activePrefix(config) });
    return;
  }
  const folder = path.join(config.backup.dir, ...config.backup.prefix.split('/').filter(Boolean));
  const existing = await runner.check('store.folder', () => checkFolder(folder));
  if (existing) await runner.check('store.space', () => checkSpace(existing, config));
}

/** Resolves the folder's nearest existing ancestor (itself when it exists), for the space check. */
async function checkFolder(folder: string): Promise<Finding<string>> {
  const existing = await nearestExisting(folder);
  if (existing !== folder) {
    try {
      await access(existing, constants.W_OK);
    } catch {
      return fail(
        `${folder} does not exist and ${existing} is not writable, so the first backup cannot create it`,
      );
    }
    return {
      ...ok(`${folder} does not exist yet; the first backup creates it (${existing} is writable)`),
      value: existing,
    };
  }
  // A dot-name: the folder store never lists in-progress (dot) files as backups.
  const probe = path.join(folder, `.foodfleet-seed-doctor-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(probe, 'probe', { flag: 'wx' });
  } catch (error) {
    return fail(
      `cannot write in ${folder}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  } finally {
    await rm(probe, { force: true });
  }
  return { ...ok(`${folder} is writable (probe file created and deleted)`), value: existing };
}

async function nearestExisting(folder: string): Promise<string> {
  let current = folder;
  for (;;) {
    try {
      if ((await stat(current)).isDirectory()) return current;
    } catch {
      // Missing: try the parent.
    }
    const parent = path.dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}

/** Free space against the size of the latest complete backup (the next one will be about as big). */
async function checkSpace(existing: string, config: Config): Promise<Finding> {
  const { bavail, bsize } = await statfs(existing);
  const free = bavail * bsize;
  const last = await lastBackupSize(config);
  const freeText = `${formatBytes(free)} free in ${existing}`;
  if (last === null) return ok(`${freeText} (no backup yet to compare with)`);
  const lastText = `the last backup took ${formatBytes(last)}`;
  if (free < last) return fail(`${freeText}, but ${lastText}: the next backup will not fit`);
  if (free < last * 3) return warn(`${freeText}; ${lastText}: room for fewer than 3 more`);
  return ok(`${freeText}; ${lastText}`);
}

async function lastBackupSize(config: Config): Promise<number | null> {
  try {
    await access(config.backup.dir);
  } catch {
    return null;
  }
  const inventory = await takeInventory(
    createLocalStore(config.backup.dir, { prefix: config.backup.prefix }),
  );
  return inventory.complete[0]?.size ?? null;
}
