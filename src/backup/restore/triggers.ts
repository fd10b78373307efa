import type { Queryable } from './live-schema.js';
import { quoteIdent, qualified } from '../../db/quote.js';

interface EnabledTrigger {
  table: string;
  name: string;
  /** pg_trigger.tgenabled: O (origin/local), R (replica), A (always). */
  mode: string;
}

const ENABLE: Record<string, string> = {
  O: 'enable trigger',
  R: 'enable replica trigger',
  A: 'enable always trigger',
};

/**
 * Switches off every enabled user trigger on the relations (partitions included) for the
 * load, so restored rows are exactly the backed-up rows (no tsvector recomputed, no audit row
 * written). Returns what to switch back on: each trigger's own mode, so a trigger that was
 * already disabled stays disabled. Both happen inside the transaction: a failure undoes them.
 */
export async function disableUserTriggers(
  db: Queryable,
  relationOids: readonly string[],
): Promise<EnabledTrigger[]> {
  if (relationOids.length === 0) return [];
  const rows = await db.query<{ schema_name: string; table_name: string; name: string; mode: string }>(
    `select n.nspname as schema_name, c.relname as table_name, t.tgname as name, t.tgenabled::text as mode
       from pg_catalog.pg_trigger t
       join pg_catalog.pg_class c on c.oid = t.tgrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where not t.tgisinternal and t.tgenabled <> 'D'
        and t.tgrelid = any(string_to_array($1, ',')::oid[])
      order by c.oid, t.tgname`,
    [relationOids.join(',')],
  );
  const triggers = rows.map((r) => ({
    table: qualified(r.schema_name, r.table_name),
    name: r.name,
    mode: r.mode,
  }));
  // ONLY: each relation of the tree is handled on its own, whatever this server version recurses into.
  for (const t of triggers)
    await db.query(`alter table only ${t.table} disable trigger ${quoteIdent(t.name)}`);
  return triggers;
}

export async function enableTriggers(db: Queryable, triggers: readonly EnabledTrigger[]): Promise<void> {
  for (const t of triggers)
    await db.query(`alter table only ${t.table} ${ENABLE[t.mode] ?? 'enable trigger'} ${quoteIdent(t.name)}`);
}
