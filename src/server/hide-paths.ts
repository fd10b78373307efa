import path from 'node:path';
import type { Config } from '../config/schema.js';

/**
 * API clients are told backup keys, never where this server keeps files: the local backup
 * folder's path becomes `<backup.dir>` in every message the API sends or records.
 */
function hideBackupFolder(config: Pick<Config, 'backup'>): (text: string) => string {
  if (config.backup.s3?.bucket) return (text) => text;
  const folder = path.resolve(config.backup.dir);
  return (text) => text.split(folder).join('<backup.dir>');
}

/** `redact` (secrets) followed by {@link hideBackupFolder}: what the API may send or record. */
export function clientSafe(config: Pick<Config, 'backup'>, redact: (text: string) => string) {
  const hide = hideBackupFolder(config);
  return { hide, redact: (text: string) => hide(redact(text)) };
}
