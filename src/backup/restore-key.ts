import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { backupKey, parseBackupKey } from './keys.js';
import { activePrefix } from './stores/open-store.js';

/**
 * Refuses a key that is not a backup key directly under the active store's prefix — before
 * anything is opened. Restoring another environment's backups is done by setting that prefix for
 * the command, so a key can never reach outside the backups this configuration manages.
 */
export function checkBackupKey(key: string, config: Pick<Config, 'backup'>): string {
  const prefix = activePrefix(config);
  if (parseBackupKey(key, prefix)) return key;
  const example = backupKey(prefix, new Date(Date.UTC(2026, 0, 31, 12, 0, 0)), 42);
  const where = key.startsWith(prefix)
    ? `is not a backup key (they look like ${example})`
    : `is outside the backup prefix "${prefix}" (keys look like ${example})`;
  throw new UsageError(
    `Backup key "${key}" ${where}. Nothing was read or changed. List the stored backups with: foodfleet-seed backups. ` +
      "To use another environment's backups, set that prefix for this command (backup.prefix, or backup.s3.prefix / S3_PREFIX on S3).",
  );
}
