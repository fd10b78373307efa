import type { AnyKysely } from '../db/any-kysely.js';
import type { Row } from './sql-helpers.js';

/** `Seeder`'s `LinkSync` with its table and column names as plain strings. */
export interface LinkRows {
  table: string;
  owner: readonly [string, number | string];
  target: string;
  ids: readonly (number | string)[];
  mode: 'exact' | 'add';
  countAs: readonly [string, number | string];
}

/**
 * Brings one owner's rows in a link table to the wanted set: inserts the missing links and, in
 * `exact` mode, deletes the ones not listed. Returns how many were added and removed.
 */
export async function syncLinkRows(
  db: AnyKysely,
  sync: LinkRows,
): Promise<{ added: number; removed: number }> {
  const { table, target } = sync;
  const [ownerColumn, ownerId] = sync.owner;
  const current: Row[] = await db.selectFrom(table).select(target).where(ownerColumn, '=', ownerId).execute();
  const have = new Set(current.map((r) => String(r[target])));
  const want = new Set(sync.ids.map(String));
  const toAdd = sync.ids.filter((id) => !have.has(String(id)));
  const toRemove =
    sync.mode === 'exact' ? current.map((r) => r[target]).filter((id) => !want.has(String(id))) : [];
  if (toAdd.length > 0) {
    await db
      .insertInto(table)
      .values(toAdd.map((id) => ({ [ownerColumn]: ownerId, [target]: id })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  if (toRemove.length > 0) {
    await db.deleteFrom(table).where(ownerColumn, '=', ownerId).where(target, 'in', toRemove).execute();
  }
  return { added: toAdd.length, removed: toRemove.length };
}
