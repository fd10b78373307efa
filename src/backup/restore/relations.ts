import type { Queryable } from './live-schema.js';
import { qualified } from '../../db/quote.js';

export interface Relation {
  oid: string;
  /** `"schema"."name"`, quoted from the live catalog. */
  sql: string;
}

/**
 * The given tables plus every partition below them (at any depth): triggers and foreign keys
 * of a partitioned table live on its partitions too.
 */
export async function withPartitions(db: Queryable, oids: readonly string[]): Promise<Relation[]> {
  if (oids.length === 0) return [];
  const rows = await db.query<{ oid: string; schema_name: string; name: string }>(
    `with recursive tree(oid) as (
       select unnest(string_to_array($1, ',')::oid[])
       union
       select i.inhrelid from pg_catalog.pg_inherits i
         join tree on i.inhparent = tree.oid
         join pg_catalog.pg_class p on p.oid = i.inhrelid and p.relispartition
     )
     select c.oid::text as oid, n.nspname as schema_name, c.relname as name
       from tree join pg_catalog.pg_class c on c.oid = tree.oid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      order by c.oid`,
    [oids.join(',')],
  );
  return rows.map((r) => ({ oid: r.oid, sql: qualified(r.schema_name, r.name) }));
}
