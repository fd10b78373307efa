import { backupKey, backupKeyStem, manifestKeyOf } from './keys.js';
import type { BackupStore } from './store.js';

/** Suffixes tried before giving up: each clash means one more database in the same second. */
const MOST_CLASHES = 100;

/**
 * The key a new backup should take: the guide's `…_execution_{id}.json.gz` when nothing under the
 * store holds it (nor its manifest), else the same with the lowest free `-n` suffix from `from`
 * on. Another database sharing the store and prefix may have taken a backup in the same second
 * with the same execution id. Only a hint: the store's exclusive create is what guarantees that
 * nothing is ever replaced, and a key lost to a race is retried with the next suffix.
 */
export async function freeBackupKey(
  store: BackupStore,
  at: Date,
  executionId: number,
  from = 1,
): Promise<string> {
  const taken = new Set(
    (await store.list(backupKeyStem(store.prefix, at, executionId))).map((object) => object.key),
  );
  for (let clash = from; clash < from + MOST_CLASHES; clash++) {
    const key = backupKey(store.prefix, at, executionId, clash);
    if (!taken.has(key) && !taken.has(manifestKeyOf(key))) return key;
  }
  throw new Error(
    `every key from ${backupKey(store.prefix, at, executionId, from)} on is taken in ${store.description}`,
  );
}
