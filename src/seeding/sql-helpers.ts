import { sql, type Kysely, type RawBuilder } from 'kysely';

/** PostgreSQL's bind-parameter limit per statement. */
export const MAX_BIND_PARAMETERS = 65_535;

export type Row = Record<string, unknown>;

export interface UpsertSpec {
  table: string;
  /** Columns of the unique constraint that identifies a row. */
  conflict: readonly string[];
  /** Columns overwritten when the row exists: `'none'` keeps existing rows as they are. */
  update: readonly string[] | 'none';
  /** Column set to now() whenever a row really changes (e.g. `updated_at`). */
  touch?: string | undefined;
  /** json/jsonb columns: compared by their text, since `json` has no equality operator. */
  jsonColumns?: ReadonlyMap<string, string> | undefined;
}

export interface UpsertedRow {
  row: Row;
  inserted: boolean;
}

/**
 * One INSERT … ON CONFLICT statement for a batch. An existing row is only rewritten when a value
 * differs (IS DISTINCT FROM), so unchanged rows are neither returned nor counted.
 */
export async function upsertBatch(
  db: Kysely<any>,
  spec: UpsertSpec,
  rows: readonly Row[],
  options: { returnRows?: boolean; json?: { columns: readonly string[]; payload: string } } = {},
): Promise<UpsertedRow[]> {
  const updateColumns = spec.update === 'none' ? [] : spec.update.filter((c) => !spec.conflict.includes(c));
  const { json } = options;
  const insert = db.insertInto(spec.table);
  const withRows = json
    ? insert.columns(json.columns as string[]).expression(selectFromJson(spec, json.columns, json.payload))
    : insert.values(rows as Row[]);
  const query = withRows
    .onConflict((oc) => {
      const target = oc.columns(spec.conflict as string[]);
      if (updateColumns.length === 0) return target.doNothing();
      const set: Record<string, RawBuilder<unknown>> = {};
      for (const column of updateColumns) set[column] = sql.ref(`excluded.${column}`);
      if (spec.touch && !updateColumns.includes(spec.touch)) set[spec.touch] = sql`now()`;
      return target.doUpdateSet(set).where(distinct(spec.table, updateColumns, spec.jsonColumns));
    });
  const inserted = sql<boolean>`(xmax = 0)`.as('__inserted');
  // Bulk callers only count: reading every row back (dates, jsonb, arrays) costs more than the insert.
  const result: Row[] = options.returnRows === false ? await query.returning(inserted).execute() : await query.returningAll().returning(inserted).execute();
  return result.map(({ __inserted, ...row }) => ({ row, inserted: Boolean(__inserted) }));
}

function distinct(table: string, columns: readonly string[], jsonColumns: ReadonlyMap<string, string> = new Map()): RawBuilder<boolean> {
  const side = (prefix: string) => sql.join(columns.map((c) => (jsonColumns.has(c) ? sql`${sql.ref(`${prefix}.${c}`)}::text` : sql.ref(`${prefix}.${c}`))));
  const current = side(table);
  const proposed = side('excluded');
  return sql<boolean>`(${current}) is distinct from (${proposed})`;
}

/** Rows per statement so that rows × columns stays within the bind-parameter limit. */
export function batchSize(columnCount: number): number {
  return Math.max(1, Math.floor(MAX_BIND_PARAMETERS / Math.max(1, columnCount)));
}

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * `SELECT … FROM json_array_elements($1) e, json_populate_record(null::table, e) r`: each element
 * becomes a row of the table's own types; json/jsonb columns are cast from their JSON text.
 */
function selectFromJson(spec: UpsertSpec, columns: readonly string[], payload: string): RawBuilder<unknown> {
  const selections = columns.map((c) => {
    const type = spec.jsonColumns?.get(c);
    return type ? sql`(e.value ->> ${c})::${sql.raw(type === 'json' ? 'json' : 'jsonb')}` : sql.ref(`r.${c}`);
  });
  return sql`select ${sql.join(selections)} from json_array_elements(${payload}::json) as e cross join lateral json_populate_record(null::${sql.table(spec.table)}, e.value) as r`;
}
