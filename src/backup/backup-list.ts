import type { BackupManifest } from './format.js';
import { listBackups } from './catalog.js';
import type { BackupStore } from './store.js';

/** One complete backup as `backups --json` and `GET /api/v1/seeders/backups` list it. */
export interface BackupListItem {
  key: string;
  created_at: string;
  size: number;
  execution_id: number | null;
  taken_by: BackupManifest['taken_by'];
  /** Several databases may share the prefix: whose backup it is (null: taken before identities). */
  database: string | null;
}

/** A page of complete backups, newest first; `total` counts every complete backup in the store. */
export async function listBackupItems(
  store: BackupStore,
  page: { skip: number; limit: number },
): Promise<{ items: BackupListItem[]; total: number }> {
  const found = await listBackups(store, page);
  const items = found.items.map(({ key, created_at, size, execution_id, taken_by, manifest }) => ({
    key,
    created_at,
    size,
    execution_id,
    taken_by,
    database: manifest.database_name ?? null,
  }));
  return { items, total: found.total };
}
