import { MANIFEST_SUFFIX } from './format.js';

/** Where backups go when nothing else is configured (the guide's `database-backups/` folder). */
export const DEFAULT_BACKUP_PREFIX = 'database-backups/';

/**
 * `{YYYYMMDD_HHMMSS}_execution_{id}.json.gz`, or — when that key was already taken (another
 * database sharing the store and prefix took a backup in the same second with the same execution
 * id) — the same with a disambiguating `-{n}` (n ≥ 2) before `.json.gz`. The one definition of a
 * backup key: listing, latest, prune, verify and every key check go through {@link parseBackupKey}.
 */
const KEY_PATTERN =
  /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})_execution_(\d+)(?:-([2-9]|[1-9]\d+))?\.json\.gz$/;
const BACKUP_EXTENSION = '.json.gz';

/** What a backup's key says about it. */
export interface ParsedBackupKey {
  key: string;
  /** The moment the backup started (UTC, second precision), from the key itself. */
  createdAt: Date;
  executionId: number;
  /** 1 for the plain key; n for the `-n` suffix a key gets when the plain one was taken. */
  clash: number;
}

/**
 * `{prefix}{YYYYMMDD_HHMMSS}_execution_{id}.json.gz`, the timestamp in UTC; with `clash` ≥ 2,
 * `…_execution_{id}-{clash}.json.gz` (the key to use when the lower ones are taken).
 */
export function backupKey(prefix: string, at: Date, executionId: number, clash = 1): string {
  if (!Number.isSafeInteger(clash) || clash < 1) throw new RangeError(`invalid clash index ${clash}`);
  return `${backupKeyStem(prefix, at, executionId)}${clash === 1 ? '' : `-${clash}`}${BACKUP_EXTENSION}`;
}

/** What every key of this backup starts with, whatever its suffix: list it to see which are taken. */
export function backupKeyStem(prefix: string, at: Date, executionId: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}_` +
    `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}`;
  return `${prefix}${stamp}_execution_${executionId}`;
}

/** The manifest written next to a backup once the backup is complete. */
export function manifestKeyOf(key: string): string {
  return `${key}${MANIFEST_SUFFIX}`;
}

export function isManifestKey(key: string): boolean {
  return key.endsWith(MANIFEST_SUFFIX);
}

/** The backup a manifest key belongs to. */
export function backupKeyOfManifest(manifestKey: string): string {
  return manifestKey.slice(0, -MANIFEST_SUFFIX.length);
}

/**
 * Reads a backup key directly under `prefix`; anything else stored there (other tools' files,
 * sub-folders, manifests) is not a backup and gives `null`.
 */
export function parseBackupKey(key: string, prefix: string): ParsedBackupKey | null {
  if (!key.startsWith(prefix)) return null;
  const match = KEY_PATTERN.exec(key.slice(prefix.length));
  if (!match) return null;
  const [year, month, day, hour, minute, second, id, clash] = match
    .slice(1)
    .map((part) => (part === undefined ? 1 : Number(part))) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const createdAt = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (Number.isNaN(createdAt.getTime()) || !Number.isSafeInteger(id) || !Number.isSafeInteger(clash))
    return null;
  return { key, createdAt, executionId: id, clash };
}

/**
 * Newest first: by the key's timestamp, then by execution id (two backups in the same second),
 * then by suffix (a suffixed key was taken after the key it avoided).
 */
export function newestFirst(a: ParsedBackupKey, b: ParsedBackupKey): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || b.executionId - a.executionId || b.clash - a.clash;
}
