import type { Queryable } from './live-schema.js';
import { quoteIdent, qualified } from '../../db/quote.js';

/** A foreign key taken off for the load, with what it takes to put it back exactly. */
export interface DroppedForeignKey {
  /** `"schema"."table"` it is defined on. */
  table: string;
  name: string;
  /** `pg_get_constraintdef`: columns, target, actions, DEFERRABLE, NOT VALID. */
  definition: string;
}

/**
 * Drops, inside the restore's transaction, every foreign key that points from or to the
 * relations being replaced (including keys of partitions and keys on tables outside the
 * backup), so rows load in any order — self-references and cycles included — without the
 * superuser-only `session_replication_role`. Inherited copies on partitions go with their parent.
 */
export async function dropForeignKeys(
  db: Queryable,
  relationOids: readonly string[],
): Promise<DroppedForeignKey[]> {
  if (relationOids.length === 0) return [];
  const rows = await db.query<{ schema_name: string; table_name: string; name: string; definition: string }>(
    `select n.nspname as schema_name, c.relname as table_name, con.conname as name, pg_catalog.pg_get_constraintdef(con.oid) as definition
       from pg_catalog.pg_constraint con
       join pg_catalog.pg_class c on c.oid = con.conrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where con.contype = 'f' and con.conparentid = 0
        and (con.conrelid = any(string_to_array($1, ',')::oid[]) or con.confrelid = any(string_to_array($1, ',')::oid[]))
      order by n.nspname, c.relname, con.conname`,
    [relationOids.join(',')],
  );
  const dropped = rows.map((r) => ({
    table: qualified(r.schema_name, r.table_name),
    name: r.name,
    definition: r.definition,
  }));
  for (const fk of dropped) await db.query(`alter table ${fk.table} drop constraint ${quoteIdent(fk.name)}`);
  return dropped;
}

/** Puts the keys back; each ADD checks every row, so a dangling reference fails the restore here. */
export async function restoreForeignKeys(
  db: Queryable,
  dropped: readonly DroppedForeignKey[],
  signal?: AbortSignal,
): Promise<void> {
  for (const fk of dropped) {
    // Each key checks every row: after a Ctrl-C, no further one is started.
    signal?.throwIfAborted();
    try {
      await db.query(`alter table ${fk.table} add constraint ${quoteIdent(fk.name)} ${fk.definition}`);
    } catch (error) {
      throw new ForeignKeyRestoreError(fk, error);
    }
  }
}

class ForeignKeyRestoreError extends Error {
  constructor(fk: DroppedForeignKey, cause: unknown) {
    super(
      `foreign key ${fk.name} on ${fk.table} no longer holds after loading the backup: ${(cause as Error).message}`,
      { cause },
    );
  }
}
