import { ConfigError } from '../../errors.js';
import type { SequenceState, SnapshotColumn, SnapshotScope, SnapshotTable } from './snapshot.js';
import { byCodeUnits } from '../../util/compare.js';

/** Runs one catalog query inside the snapshot transaction (each backend supplies its own). */
export type SnapshotQuery = <Row>(text: string, params: unknown[]) => Promise<Row[]>;

export interface Introspection {
  serverVersion: string;
  tables: SnapshotTable[];
  sequences: SequenceState[];
}

// Partitions are skipped (`relispartition`): their rows are read once through the parent.
const TABLES_SQL = `
  select c.relname as name, c.relkind = 'p' as partitioned
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = $1 and c.relkind in ('r', 'p') and not c.relispartition
  order by c.relname`;

// Generated columns (stored, and virtual on PostgreSQL 18) are computed again on restore.
const COLUMNS_SQL = `
  select c.relname as table_name, a.attname as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as type,
         a.attnotnull as not_null, (a.atthasdef or a.attidentity <> '') as has_default,
         pg_catalog.quote_ident(fn.nspname) || '.' || pg_catalog.quote_ident(p.proname) as output_function
  from pg_catalog.pg_attribute a
  join pg_catalog.pg_class c on c.oid = a.attrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join pg_catalog.pg_type t on t.oid = a.atttypid
  join pg_catalog.pg_proc p on p.oid = t.typoutput
  join pg_catalog.pg_namespace fn on fn.oid = p.pronamespace
  where n.nspname = $1 and c.relkind in ('r', 'p') and not c.relispartition
    and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
  order by c.relname, a.attnum`;

const PRIMARY_KEYS_SQL = `
  select c.relname as table_name, a.attname as column_name, a.attgenerated <> '' as generated
  from pg_catalog.pg_index i
  join pg_catalog.pg_class c on c.oid = i.indrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  cross join lateral unnest(i.indkey::int2[]) with ordinality as k(attnum, ord)
  join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
  where n.nspname = $1 and i.indisprimary
  order by c.relname, k.ord`;

// A table's sequences: those its columns own (serial: deptype 'a', identity: 'i') and those its
// column defaults call (`nextval('s')` on a sequence nobody owns, as in many real schemas).
const SEQUENCES_SQL = `
  select pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(s.relname) as name,
         c.relname as table_name, a.attname as column_name, 0 as via
  from pg_catalog.pg_depend d
  join pg_catalog.pg_class s on s.oid = d.objid and s.relkind = 'S'
  join pg_catalog.pg_namespace sn on sn.oid = s.relnamespace
  join pg_catalog.pg_class c on c.oid = d.refobjid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = d.refobjsubid
  where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
    and d.deptype in ('a', 'i') and n.nspname = $1
  union all
  select pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(s.relname),
         c.relname, a.attname, 1
  from pg_catalog.pg_attrdef ad
  join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass and d.objid = ad.oid
       and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
  join pg_catalog.pg_class s on s.oid = d.refobjid and s.relkind = 'S'
  join pg_catalog.pg_namespace sn on sn.oid = s.relnamespace
  join pg_catalog.pg_class c on c.oid = ad.adrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = ad.adnum
  where n.nspname = $1
  order by via, table_name, column_name`;

// Row estimates for progress: `reltuples` (-1 before the first VACUUM / ANALYZE, then the live
// tuple count the statistics system keeps), summed over a partitioned table's leaf partitions.
const ESTIMATES_SQL = `
  with recursive tree(root, relid) as (
    select c.oid, c.oid
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = $1 and c.relkind in ('r', 'p') and not c.relispartition
    union all
    select tree.root, i.inhrelid
    from tree
    join pg_catalog.pg_inherits i on i.inhparent = tree.relid
    join pg_catalog.pg_class p on p.oid = i.inhrelid and p.relispartition
  )
  select r.relname as name,
         coalesce(sum(case when l.reltuples >= 0 then l.reltuples::float8
                           else pg_catalog.pg_stat_get_live_tuples(l.oid)::float8 end), 0) as estimated_rows
  from tree
  join pg_catalog.pg_class r on r.oid = tree.root
  left join pg_catalog.pg_class l on l.oid = tree.relid and l.relkind = 'r'
  group by r.relname`;

/** Reads the tables in scope, their columns and keys, and the state of their sequences. */
export async function introspect(query: SnapshotQuery, scope: SnapshotScope): Promise<Introspection> {
  const [version] = await query<{ v: string }>(
    `select pg_catalog.current_setting('server_version') as v`,
    [],
  );
  const tableRows = await query<{ name: string; partitioned: boolean }>(TABLES_SQL, [scope.schema]);
  const inScope = selectTables(
    tableRows.map((t) => t.name),
    scope,
  );
  const columns = groupBy(await query<ColumnRow>(COLUMNS_SQL, [scope.schema]), (c) => c.table_name);
  const keys = groupBy(await query<KeyRow>(PRIMARY_KEYS_SQL, [scope.schema]), (k) => k.table_name);
  const estimates = new Map(
    (await query<{ name: string; estimated_rows: number }>(ESTIMATES_SQL, [scope.schema])).map((row) => [
      row.name,
      Math.max(0, Math.round(Number(row.estimated_rows))),
    ]),
  );
  const tables: SnapshotTable[] = [];
  for (const row of tableRows) {
    const tableColumns = (columns.get(row.name) ?? []).map(toColumn);
    // A table without a stored column has nothing to back up (and the format needs ≥ 1 column).
    if (!inScope.has(row.name) || tableColumns.length === 0) continue;
    const key = keys.get(row.name);
    const usableKey = key?.every((k) => !k.generated) ? key.map((k) => k.column_name) : null;
    tables.push({
      name: row.name,
      partitioned: Boolean(row.partitioned),
      columns: tableColumns,
      primaryKey: usableKey,
      estimatedRows: estimates.get(row.name) ?? 0,
    });
  }
  const sequences = await readSequences(query, scope.schema, new Set(tables.map((t) => t.name)));
  return { serverVersion: version?.v ?? 'unknown', tables, sequences };
}

interface ColumnRow {
  table_name: string;
  name: string;
  type: string;
  not_null: boolean;
  has_default: boolean;
  output_function: string;
}

interface KeyRow {
  table_name: string;
  column_name: string;
  generated: boolean;
}

function toColumn(row: ColumnRow): SnapshotColumn {
  return {
    name: row.name,
    type: row.type,
    not_null: Boolean(row.not_null),
    has_default: Boolean(row.has_default),
    outputFunction: row.output_function,
  };
}

/** Applies `backup.include` / `backup.exclude`; an included table that does not exist is a config error. */
function selectTables(names: readonly string[], scope: SnapshotScope): Set<string> {
  const existing = new Set(names);
  if (scope.include) {
    const missing = scope.include.filter((name) => !existing.has(name));
    if (missing.length > 0) {
      throw new ConfigError(
        `backup.include names tables that do not exist in schema ${scope.schema}: ${missing.join(', ')}. ` +
          'No backup was taken and nothing was changed. Fix backup.include in the config file.',
        missing.map((name) => `backup.include: no table "${name}" in schema ${scope.schema}`),
      );
    }
  }
  const excluded = new Set([...scope.alwaysExcluded, ...scope.exclude]);
  const wanted = scope.include ? new Set(scope.include) : existing;
  return new Set(names.filter((name) => wanted.has(name) && !excluded.has(name)));
}

async function readSequences(
  query: SnapshotQuery,
  schema: string,
  tables: ReadonlySet<string>,
): Promise<SequenceState[]> {
  const rows = await query<{ name: string; table_name: string; column_name: string }>(SEQUENCES_SQL, [
    schema,
  ]);
  const seen = new Set<string>();
  const states: SequenceState[] = [];
  for (const row of rows) {
    if (!tables.has(row.table_name) || seen.has(row.name)) continue;
    seen.add(row.name);
    // `row.name` is built from quote_ident on the server, so it is safe to splice.
    const [state] = await query<{ last_value: string; is_called: boolean }>(
      `select last_value::text as last_value, is_called from ${row.name}`,
      [],
    );
    if (!state) continue;
    states.push({
      name: row.name,
      table: row.table_name,
      column: row.column_name,
      last_value: state.last_value,
      is_called: Boolean(state.is_called),
    });
  }
  return states.sort((a, b) => byCodeUnits(a.name, b.name));
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
