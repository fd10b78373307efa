import type { Database } from '../../db/database.js';
import { NotFoundError, UsageError } from '../../errors.js';
import { migrateTracking } from '../../migrations/migrate.js';
import { databaseIdentity } from '../../tracking/database-identity.js';
import { ExecutionTracker } from '../../tracking/executions.js';
import { findBackupOfExecution, resolveBackup, type CatalogItem } from '../catalog.js';
import type { BackupStore } from '../store.js';

/** Which backup a restore uses: a key, the backup an execution took, or (neither) the latest. */
export interface RestoreTarget {
  key?: string | undefined;
  executionId?: number | undefined;
}

/** Commands that change data and take a backup first: what `rollback` without an id undoes. */
const ROLLBACK_COMMANDS = ['run', 'reset', 'restore', 'rollback'];

/**
 * Picks the backup to restore — before anything else happens, so a safety backup taken later
 * can never be mistaken for "latest" (the catalog never picks a restore's backup anyway).
 */
export async function resolveRestoreTarget(
  database: Database,
  store: BackupStore,
  target: RestoreTarget,
): Promise<CatalogItem> {
  if (target.key !== undefined && target.executionId !== undefined) {
    throw new UsageError('Give either a backup key or an execution id, not both. Nothing was changed.');
  }
  if (target.executionId !== undefined)
    return backupOfExecution(database, store, target.executionId, 'restore');
  // A key names any database's backup on purpose (disaster recovery); "latest" is only this one's.
  if (target.key !== undefined) return resolveBackup(store, target.key);
  const identity = await databaseIdentity(database);
  return resolveBackup(store, undefined, { schema: database.schema, databaseId: identity?.id });
}

/** `rollback [ID]`: the backup taken before execution ID, by default the latest change that took one. */
export async function resolveRollbackTarget(
  database: Database,
  store: BackupStore,
  executionId?: number,
): Promise<{ item: CatalogItem; executionId: number }> {
  if (executionId !== undefined)
    return { item: await backupOfExecution(database, store, executionId, 'rollback'), executionId };
  await migrateTracking(database);
  const row = await new ExecutionTracker(database).findLatestWithBackup(ROLLBACK_COMMANDS);
  if (!row) {
    throw new NotFoundError(
      'No completed run, reset or restore has taken a backup, so there is nothing to roll back to. Nothing was changed. ' +
        'Restore a specific backup with: foodfleet-seed restore --key <key> (list them with: foodfleet-seed backups)',
    );
  }
  const item = await resolveBackup(store, row.backup_key);
  await assertOwnBackup(database, item, row.id, 'rollback');
  return { item, executionId: row.id };
}

async function backupOfExecution(
  database: Database,
  store: BackupStore,
  id: number,
  command: string,
): Promise<CatalogItem> {
  await migrateTracking(database);
  const execution = await new ExecutionTracker(database).get(id);
  if (!execution) {
    // The tracking table may be younger than the store (a restored or fresh database): the key names the execution too.
    const stored = await findBackupOfExecution(store, id, {
      databaseId: (await databaseIdentity(database))?.id,
    });
    if (stored) return stored;
    throw new NotFoundError(
      `Execution #${id} does not exist and no stored backup names it, so there is nothing to ${command}. Nothing was changed. List executions with: foodfleet-seed history`,
    );
  }
  const backup = execution.backup;
  if (backup?.status === 'completed' && backup.key) {
    const item = await resolveBackup(store, backup.key);
    await assertOwnBackup(database, item, id, command);
    return item;
  }
  const why = backup
    ? `its backup ${backup.status === 'skipped' ? 'was skipped' : `failed${backup.error ? ` (${backup.error})` : ''}`}`
    : 'it took no backup';
  throw new NotFoundError(
    `Execution #${id} (${execution.command}) has no backup to ${command}: ${why}. Nothing was changed. List stored backups with: foodfleet-seed backups`,
  );
}

/**
 * The backup this database's own history names must be this database's: a clone carries its
 * origin's history (whose keys name the origin's backups), and a key written by an older version
 * may since have been replaced by another database's backup. Taking it anyway stays one explicit
 * command away (`restore --key`).
 */
async function assertOwnBackup(
  database: Database,
  item: CatalogItem,
  executionId: number,
  command: string,
): Promise<void> {
  const owner = item.manifest.database_id;
  if (owner === undefined) return;
  const identity = await databaseIdentity(database);
  // Without an identity of its own (a role that may not keep one) it cannot tell: as before.
  if (identity === null || owner === identity.id) return;
  const from = item.manifest.database_name ? ` (database "${item.manifest.database_name}")` : '';
  throw new NotFoundError(
    `Execution #${executionId} names backup ${item.key}, but that backup was taken by another database${from}: ` +
      `this database is a copy of it, or shares its store and prefix. Nothing was changed. To ${command} to it anyway, ` +
      `restore it by key: foodfleet-seed restore --key ${item.key}`,
  );
}
