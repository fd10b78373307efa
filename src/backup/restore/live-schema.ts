/** Anything that runs SQL and returns rows (a load session, inside or outside its transaction). */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<R[]>;
}

interface LiveColumn {
  name: string;
  type: string;
  notNull: boolean;
  /** A default, an identity or a generated expression fills it when the backup lacks it. */
  hasDefault: boolean;
  /** Stored generated column: computed, never loaded. */
  generated: boolean;
}

export interface LiveTable {
  name: string;
  oid: string;
  /** `r` ordinary, `p` partitioned. */
  kind: 'r' | 'p';
  isPartition: boolean;
  columns: LiveColumn[];
}

export interface LiveSequence {
  oid: string;
  name: string;
  min: bigint;
  max: bigint;
}

export interface LiveSchema {
  schema: string;
  tables: Map<string, LiveTable>;
  sequences: LiveSequence[];
}

/**
 * Reads what the restore is checked against: every ordinary or partitioned table of the schema
 * with its columns, and every sequence with its bounds. Everything is read as text or
 * plain booleans so both drivers return the same shapes.
 */
export async function readLiveSchema(db: Queryable, schema: string): Promise<LiveSchema> {
  const columns = await db.query<{
    table_name: string;
    oid: string;
    kind: string;
    is_partition: boolean;
    column_name: string;
    type: string;
    not_null: boolean;
    has_default: boolean;
    generated: boolean;
  }>(
    `select c.relname as table_name, c.oid::text as oid, c.relkind::text as kind, c.relispartition as is_partition,
            a.attname as column_name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
            (a.atthasdef or a.attidentity <> '' or a.attgenerated <> '') as has_default, a.attgenerated <> '' as generated
       from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = $1 and c.relkind in ('r', 'p')
      order by c.relname, a.attnum`,
    [schema],
  );
  const tables = new Map<string, LiveTable>();
  for (const row of columns) {
    let table = tables.get(row.table_name);
    if (!table) {
      table = {
        name: row.table_name,
        oid: row.oid,
        kind: row.kind === 'p' ? 'p' : 'r',
        isPartition: row.is_partition,
        columns: [],
      };
      tables.set(row.table_name, table);
    }
    table.columns.push({
      name: row.column_name,
      type: row.type,
      notNull: row.not_null,
      hasDefault: row.has_default,
      generated: row.generated,
    });
  }
  const sequences = await db.query<{ oid: string; name: string; min: string; max: string }>(
    `select c.oid::text as oid, c.relname as name, s.seqmin::text as min, s.seqmax::text as max
       from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       join pg_catalog.pg_sequence s on s.seqrelid = c.oid
      where n.nspname = $1 and c.relkind = 'S'
      order by c.relname`,
    [schema],
  );
  return {
    schema,
    tables,
    sequences: sequences.map((s) => ({ oid: s.oid, name: s.name, min: BigInt(s.min), max: BigInt(s.max) })),
  };
}
