import { NotFoundError, OperationError } from '../errors.js';
import { manifestSchema, type BackupManifest } from './format.js';
import {
  backupKeyOfManifest,
  isManifestKey,
  manifestKeyOf,
  newestFirst,
  parseBackupKey,
  type ParsedBackupKey,
} from './keys.js';
import type { BackupStore, StoredObject } from './store.js';

/** A backup object found in the store. */
interface StoredBackup extends ParsedBackupKey {
  size: number;
  lastModified: Date;
}

/** Everything under the store's prefix, sorted into what it is. */
export interface BackupInventory {
  /** Backups that have a manifest object (its contents not yet checked), newest first. */
  complete: StoredBackup[];
  /** Backup objects without a manifest: an upload that failed or is still running. Newest first. */
  incomplete: StoredBackup[];
  /** Manifests whose backup object is gone (e.g. an interrupted prune). */
  orphanManifests: StoredObject[];
}

/** A complete backup: its object and its valid manifest. */
export interface CatalogItem {
  key: string;
  created_at: string;
  size: number;
  execution_id: number | null;
  taken_by: BackupManifest['taken_by'];
  manifest: BackupManifest;
}

/** Commands whose backups a plain `restore` may pick: never a restore's own safety backup. */
const RESTORABLE_BY_DEFAULT: ReadonlySet<string> = new Set(['run', 'backup', 'reset']);
/** Manifests read at once while walking newest-first. */
const MANIFEST_BATCH = 8;

/** Lists the store (every page) and sorts objects into complete / incomplete / orphaned. */
export async function takeInventory(store: BackupStore): Promise<BackupInventory> {
  const objects = await store.list(store.prefix);
  const manifests = new Map<string, StoredObject>();
  const backups: StoredBackup[] = [];
  for (const object of objects) {
    if (isManifestKey(object.key)) manifests.set(backupKeyOfManifest(object.key), object);
    else {
      const parsed = parseBackupKey(object.key, store.prefix);
      if (parsed) backups.push({ ...parsed, size: object.size, lastModified: object.lastModified });
    }
  }
  backups.sort(newestFirst);
  const keys = new Set(backups.map((b) => b.key));
  return {
    complete: backups.filter((b) => manifests.has(b.key)),
    incomplete: backups.filter((b) => !manifests.has(b.key)),
    orphanManifests: [...manifests]
      .filter(([key]) => !keys.has(key) && parseBackupKey(key, store.prefix))
      .map(([, object]) => object),
  };
}

/**
 * Reads and checks a backup's manifest: valid JSON of the manifest schema, naming this key, and
 * (when the listed object is known) describing an object of the size actually stored.
 * Returns the manifest, or the reason it cannot be trusted; null when there is none.
 */
async function readManifest(
  store: BackupStore,
  key: string,
  listed?: { size: number },
): Promise<{ manifest: BackupManifest } | { problem: string } | null> {
  const raw = await store.getSmall(manifestKeyOf(key));
  if (raw === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return { problem: 'its manifest is not valid JSON' };
  }
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      problem: `its manifest is invalid (${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown problem'})`,
    };
  }
  if (parsed.data.key !== key) return { problem: `its manifest describes another key (${parsed.data.key})` };
  if (listed && listed.size !== parsed.data.size) {
    return {
      problem: `the stored object holds ${listed.size} bytes but its manifest says ${parsed.data.size}`,
    };
  }
  return { manifest: parsed.data };
}

/**
 * Complete backups with valid manifests, newest first, from the `skip`-th on; `total` counts
 * backups that have a manifest. Skipping counts valid ones, so pages neither repeat nor miss a
 * backup when a manifest is damaged (the skipped manifests are read too).
 */
export async function listBackups(
  store: BackupStore,
  options: { skip?: number; limit: number },
): Promise<{ items: CatalogItem[]; total: number }> {
  const { complete } = await takeInventory(store);
  const items: CatalogItem[] = [];
  let toSkip = options.skip ?? 0;
  await walkManifests(store, complete, (item) => {
    if (toSkip > 0) toSkip -= 1;
    else items.push(item);
    return items.length >= options.limit;
  });
  return { items, total: complete.length };
}

/**
 * Whose "latest": several schemas and several databases may share one store and prefix. Backups
 * whose manifest predates what they are matched on (no schema, no database id) match anything.
 */
export interface BackupOwner {
  /** The live schema. */
  schema?: string | undefined;
  /** This database's identity (src/tracking/database-identity.ts). */
  databaseId?: string | undefined;
}

/** What "latest" found, and what it passed over as another database's. */
interface LatestSearch {
  item: CatalogItem | null;
  /** Newest complete backup of another database that "latest" would otherwise have picked. */
  othersNewest: CatalogItem | null;
}

/**
 * "Latest": the newest complete backup taken by run, backup or reset (never a restore's safety
 * backup) of `owner.schema`, and of this database: another database's backup never, and one
 * taken before databases had an identity only while this database has no backup of its own.
 */
async function searchLatest(store: BackupStore, owner: BackupOwner): Promise<LatestSearch> {
  const { complete } = await takeInventory(store);
  let own: CatalogItem | null = null;
  let unattributed: CatalogItem | null = null;
  let othersNewest: CatalogItem | null = null;
  await walkManifests(store, complete, (item) => {
    const { schema, database_id } = item.manifest;
    const sameSchema = owner.schema === undefined || schema === undefined || schema === owner.schema;
    if (!RESTORABLE_BY_DEFAULT.has(item.taken_by) || !sameSchema) return false;
    if (owner.databaseId === undefined || database_id === owner.databaseId) own = item;
    else if (database_id === undefined) unattributed ??= item;
    else othersNewest ??= item;
    return own !== null;
  });
  return { item: own ?? unattributed, othersNewest };
}

/**
 * What `backups prune` never removes, so that a prune run from one database leaves every database
 * sharing the prefix a backup to restore: each database's newest backup taken by run, backup or
 * reset, and `owner`'s "latest" — the newest backup without an identity while it has none of its own.
 */
export async function newestOfEachDatabase(
  store: BackupStore,
  inventory: BackupInventory,
  owner: BackupOwner = {},
): Promise<Set<string>> {
  const newest = new Map<string, string>();
  let unattributed: string | undefined;
  await walkManifests(store, inventory.complete, (item) => {
    if (!RESTORABLE_BY_DEFAULT.has(item.taken_by)) return false;
    const id = item.manifest.database_id;
    if (id === undefined) unattributed ??= item.key;
    else if (!newest.has(id)) newest.set(id, item.key);
    return false;
  });
  const keys = new Set(newest.values());
  if (unattributed && (owner.databaseId === undefined || !newest.has(owner.databaseId)))
    keys.add(unattributed);
  return keys;
}

/**
 * The complete backup execution `executionId` took, if any: execution ids restart in every
 * database, so another database's backup of the same id is never it.
 */
export async function findBackupOfExecution(
  store: BackupStore,
  executionId: number,
  owner: BackupOwner = {},
): Promise<CatalogItem | null> {
  const { complete } = await takeInventory(store);
  let own: CatalogItem | null = null;
  let unattributed: CatalogItem | null = null;
  await walkManifests(
    store,
    complete.filter((b) => b.executionId === executionId),
    (item) => {
      const id = item.manifest.database_id;
      if (owner.databaseId === undefined || id === owner.databaseId) own = item;
      else if (id === undefined) unattributed ??= item;
      return own !== null;
    },
  );
  return own ?? unattributed;
}

/**
 * The backup a command should use: `key` when given (it must be complete, and may be any
 * database's), else "latest" of `owner`. Throws NotFoundError / BACKUP_INVALID with what to do next.
 */
export async function resolveBackup(
  store: BackupStore,
  key?: string,
  owner: BackupOwner = {},
): Promise<CatalogItem> {
  if (key === undefined) {
    const { item, othersNewest } = await searchLatest(store, owner);
    if (!item) {
      // Never store.description: the API sends this message, and a folder store's is a server path.
      const where = `the backup store (prefix ${store.prefix || '(none)'})`;
      if (othersNewest) {
        throw new NotFoundError(
          `No complete backup of this database found in ${where}: the backups there were taken by other databases sharing the prefix (the newest: ${othersNewest.key}${othersNewest.manifest.database_name ? `, from database "${othersNewest.manifest.database_name}"` : ''}). Nothing was read or changed. ` +
            "To restore another database's backup here, name it: foodfleet-seed restore --key <key> (list them with: foodfleet-seed backups)",
        );
      }
      throw new NotFoundError(
        `No complete backup found in ${where}. Nothing was read or changed. ` +
          'Take one with: foodfleet-seed backup',
      );
    }
    return item;
  }
  const listed = await store.head(key);
  if (!listed) {
    throw new NotFoundError(
      `Backup ${key} does not exist in the backup store. Nothing was read or changed. List the stored backups with: foodfleet-seed backups`,
    );
  }
  const outcome = await readManifest(store, key, listed);
  if (outcome === null || 'problem' in outcome) {
    const why =
      outcome === null
        ? 'it has no manifest, so it is incomplete (an upload that failed or is still running)'
        : outcome.problem;
    throw new OperationError(
      'BACKUP_INVALID',
      `Backup ${key} cannot be used: ${why}. Nothing was read or changed. Pick a complete backup from: foodfleet-seed backups`,
    );
  }
  return toItem(key, outcome.manifest);
}

/**
 * Reads manifests of `backups` (newest first) a few at a time and hands each valid one to
 * `visit` in order until it returns true. Backups whose manifest is missing or invalid are skipped.
 */
async function walkManifests(
  store: BackupStore,
  backups: readonly StoredBackup[],
  visit: (item: CatalogItem) => boolean,
): Promise<void> {
  for (let start = 0; start < backups.length; start += MANIFEST_BATCH) {
    const batch = backups.slice(start, start + MANIFEST_BATCH);
    const outcomes = await Promise.all(batch.map((backup) => readManifest(store, backup.key, backup)));
    for (const [index, outcome] of outcomes.entries()) {
      const backup = batch[index] as StoredBackup;
      if (outcome && 'manifest' in outcome && visit(toItem(backup.key, outcome.manifest))) return;
    }
  }
}

function toItem(key: string, manifest: BackupManifest): CatalogItem {
  return {
    key,
    created_at: manifest.created_at,
    size: manifest.size,
    execution_id: manifest.execution_id,
    taken_by: manifest.taken_by,
    manifest,
  };
}

/** What `backups prune` removes. */
export interface PrunePolicy {
  /** Keep at least the newest N complete backups. */
  keep?: number | undefined;
  /** Remove complete backups older than this many milliseconds. */
  olderThanMs?: number | undefined;
  now: Date;
}

export interface PruneTarget {
  key: string;
  kind: 'backup' | 'incomplete' | 'orphan-manifest';
  reason: string;
  size: number;
  created_at: string | null;
}

/** Incomplete uploads younger than this may still be running: left alone. */
const INCOMPLETE_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * Decides what to delete. A complete backup goes when every given rule lets it go (beyond the
 * newest `keep` AND older than `olderThanMs`) — never the newest complete backup nor any key in
 * `protectedKeys` (the newest backup of each database sharing the prefix). Incomplete uploads older than a day and
 * manifests without a backup go too.
 */
export function planPrune(
  inventory: BackupInventory,
  policy: PrunePolicy,
  protectedKeys: ReadonlySet<string>,
): PruneTarget[] {
  const now = policy.now.getTime();
  const targets: PruneTarget[] = [];
  inventory.complete.forEach((backup, index) => {
    if (index === 0 || protectedKeys.has(backup.key)) return;
    const beyondKeep = policy.keep === undefined || index >= policy.keep;
    const tooOld = policy.olderThanMs === undefined || now - backup.createdAt.getTime() > policy.olderThanMs;
    if (!beyondKeep || !tooOld) return;
    const reasons = [
      policy.keep !== undefined ? `beyond the newest ${policy.keep}` : '',
      policy.olderThanMs !== undefined ? 'older than the cut-off' : '',
    ];
    targets.push({
      key: backup.key,
      kind: 'backup',
      reason: reasons.filter(Boolean).join(', '),
      size: backup.size,
      created_at: backup.createdAt.toISOString(),
    });
  });
  for (const backup of inventory.incomplete) {
    if (now - backup.lastModified.getTime() <= INCOMPLETE_GRACE_MS) continue;
    targets.push({
      key: backup.key,
      kind: 'incomplete',
      reason: 'incomplete upload (no manifest) older than a day',
      size: backup.size,
      created_at: backup.createdAt.toISOString(),
    });
  }
  for (const manifest of inventory.orphanManifests) {
    targets.push({
      key: manifest.key,
      kind: 'orphan-manifest',
      reason: 'manifest of a backup that no longer exists',
      size: manifest.size,
      created_at: null,
    });
  }
  return targets;
}

/**
 * Deletes planned targets. A backup's manifest goes before its object, so an interrupted prune
 * leaves at worst an incomplete object (never listed, pruned next time), not a manifest that
 * promises a missing backup.
 */
export async function deletePruneTargets(store: BackupStore, targets: readonly PruneTarget[]): Promise<void> {
  const manifests = targets.filter((t) => t.kind === 'backup').map((t) => manifestKeyOf(t.key));
  const objects = targets.filter((t) => t.kind !== 'orphan-manifest').map((t) => t.key);
  const orphans = targets.filter((t) => t.kind === 'orphan-manifest').map((t) => t.key);
  for (const keys of [manifests, objects, orphans]) {
    for (let start = 0; start < keys.length; start += 1000)
      await store.delete(keys.slice(start, start + 1000));
  }
}
