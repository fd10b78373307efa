import { CancelledError, NotFoundError, OperationError, type SeedError } from '../../errors.js';

const HINTS: Record<string, string> = {
  EACCES: 'permission denied: check the folder owner and mode',
  EPERM: 'operation not permitted: check the folder owner and mode',
  ENOSPC: 'the disk is full: free space or point backup.dir elsewhere',
  EDQUOT: 'the disk quota is exhausted: free space or point backup.dir elsewhere',
  EROFS: 'the file system is read-only: point backup.dir (SEED_BACKUP_DIR) at a writable folder',
  ENOTDIR: 'a path component is a file, not a folder: check backup.dir (SEED_BACKUP_DIR)',
  EISDIR: 'the key names a folder, not a file',
  EMFILE: 'too many open files: raise the limit (ulimit -n) and retry',
};

/** Turns a file-system error of the folder store into an operator-facing error. */
export function folderError(error: unknown, action: string, folder: string, key?: string): SeedError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if ((error as Error | undefined)?.name === 'AbortError') {
    return new CancelledError(
      `Cancelled while trying to ${action}${key ? ` ${key}` : ''} in ${folder}: no partial file was kept.`,
    );
  }
  if (code === 'ENOENT' && key) {
    // The key only: the API answers with this message, and the server's paths are not the client's business.
    return new NotFoundError(
      `Backup ${key} does not exist in the backup folder (backup.dir). Nothing was changed. List the stored backups with \`foodfleet-seed backups\`.`,
    );
  }
  const hint = HINTS[code] ?? `${(error as Error | undefined)?.message ?? String(error)}`;
  return new OperationError(
    'STORE_UNAVAILABLE',
    `Could not ${action}${key ? ` ${key}` : ''} in the backup folder ${folder}: ${hint}${code && HINTS[code] ? ` (${code})` : ''}. ` +
      'No backup file was left half-written.',
    { cause: error },
  );
}
