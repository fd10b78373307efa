import { sql, type RawBuilder } from 'kysely';
import type { AnyKysely } from '../db/any-kysely.js';
import { withJsonColumns } from './pg-values.js';

/** PostgreSQL's bind-parameter limit per statement. */
const MAX_BIND_PARAMETERS = 65_535;

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
  db: AnyKysely,
  spec: UpsertSpec,
  /** The VALUES rows; ignored when `from` gives a SELECT instead. */
  rows: readonly Row[],
  options: { returnRows?: boolean; from?: { columns: readonly string[]; select: RawBuilder<unknown> } } = {},
): Promise<UpsertedRow[]> {
  const query = upsertStatement(db, spec, rows, options.from);
  const inserted = INSERTED_FLAG.as('__inserted');
  // Bulk callers only count: reading every row back (dates, jsonb, arrays) costs more than the insert.
  const result: Row[] =
    options.returnRows === false
      ? await query.returning(inserted).execute()
      : await query.returningAll().returning(inserted).execute();
  return result.map(({ __inserted, ...row }) => ({ row, inserted: Boolean(__inserted) }));
}

/** In RETURNING: true for a row the statement inserted, false for one it updated. */
export const INSERTED_FLAG = sql<boolean>`(xmax = 0)`;

/** The INSERT … ON CONFLICT of {@link upsertBatch}, without its RETURNING. */
export function upsertStatement(
  db: AnyKysely,
  spec: UpsertSpec,
  rows: readonly Row[],
  from?: { columns: readonly string[]; select: RawBuilder<unknown> },
) {
  const updateColumns = updatedColumns(spec);
  const insert = db.insertInto(spec.table);
  const withRows = from
    ? insert.columns(from.columns as string[]).expression(from.select)
    : insert.values(rows.map((row) => withJsonColumns(row, spec.jsonColumns)));
  return withRows.onConflict((oc) => {
    const target = oc.columns(spec.conflict as string[]);
    if (updateColumns.length === 0) return target.doNothing();
    const set: Record<string, RawBuilder<unknown>> = {};
    for (const column of updateColumns) set[column] = sql.ref(`excluded.${column}`);
    if (spec.touch && !updateColumns.includes(spec.touch)) set[spec.touch] = sql`now()`;
    return target
      .doUpdateSet(set)
      .where(distinctColumns(spec.table, 'excluded', updateColumns, spec.jsonColumns));
  });
}

/** Created and updated counts of the rows an upsert returned (unchanged rows are not returned). */
export function countUpserted(changed: readonly { inserted: boolean }[]): {
  created: number;
  updated: number;
} {
  const created = changed.filter((r) => r.inserted).length;
  return { created, updated: changed.length - created };
}

/** Columns an existing row gets overwritten with (never the key itself). */
export function updatedColumns(spec: UpsertSpec): readonly string[] {
  return spec.update === 'none' ? [] : spec.update.filter((c) => !spec.conflict.includes(c));
}

/**
 * `(left.a, left.b) IS DISTINCT FROM (right.a, right.b)`: PostgreSQL's own equality of each type
 * (jsonb's too: casting it to text cost 20 % of a bulk re-run). json has no equality: compared by text.
 */
export function distinctColumns(
  left: string,
  right: string,
  columns: readonly string[],
  jsonColumns: ReadonlyMap<string, string> = new Map(),
): RawBuilder<boolean> {
  const side = (prefix: string) =>
    sql.join(
      columns.map((c) =>
        jsonColumns.get(c) === 'json' ? sql`${sql.ref(`${prefix}.${c}`)}::text` : sql.ref(`${prefix}.${c}`),
      ),
    );
  return sql<boolean>`(${side(left)}) is distinct from (${side(right)})`;
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
export function selectFromJson(
  spec: UpsertSpec,
  columns: readonly string[],
  payload: string,
): RawBuilder<unknown> {
  const selections = columns.map((c) => {
    const type = spec.jsonColumns?.get(c);
    return type ? sql`(e.value ->> ${c})::${sql.raw(type === 'json' ? 'json' : 'jsonb')}` : sql.ref(`r.${c}`);
  });
  return sql`select ${sql.join(selections)} from json_array_elements(${payload}::json) as e cross join lateral json_populate_record(null::${sql.table(spec.table)}, e.value) as r`;
}
