import { sql } from 'kysely';
import type { AnyKysely } from '../db/any-kysely.js';
import type { Row } from './sql-helpers.js';
import { isSqlExpression, jsonColumnValue, prepareValue } from './pg-values.js';

/**
 * Bulk upserts send a batch as ONE json parameter expanded by json_populate_recordset on the
 * server: far cheaper than tens of thousands of bind parameters. Only rows whose values have an
 * exact JSON form take this path; anything else falls back to ordinary parameters.
 */
export function toJsonPayload(
  rows: readonly Row[],
  columns: readonly string[],
  jsonColumns: ReadonlyMap<string, string>,
): string | null {
  const out: Row[] = [];
  for (const row of rows) {
    // A missing key would become NULL here where a VALUES list inserts DEFAULT: keep that path.
    if (Object.keys(row).length !== columns.length) return null;
    const converted: Row = {};
    for (const column of columns) {
      if (!(column in row)) return null;
      const value = toJsonValue(row[column], jsonColumns.has(column));
      if (value === UNSAFE) return null;
      converted[column] = value;
    }
    out.push(converted);
  }
  return JSON.stringify(out);
}

const UNSAFE = Symbol('unsafe');

function toJsonValue(value: unknown, jsonColumn: boolean): unknown {
  if (value === null) return null;
  if (isSqlExpression(value)) return UNSAFE;
  if (jsonColumn && typeof value !== 'string' && typeof value !== 'object') return UNSAFE;
  switch (typeof value) {
    case 'string':
      // A json column gets its value as JSON text (as node-postgres sends it) and casts it on the
      // server, so duplicate keys and `2.50` are kept exactly.
      return value;
    case 'boolean':
      return value;
    case 'number':
      // NaN and ±Infinity have no JSON form.
      return Number.isFinite(value) ? value : UNSAFE;
    case 'bigint':
      return value.toString();
    case 'object':
      if (jsonColumn) return jsonColumnValue(value);
      // node-postgres's own text for a Date (local time with offset), as a bound parameter gets it.
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? UNSAFE : prepareValue(value);
      if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
      if (Array.isArray(value))
        return value.every(
          (item) =>
            item === null || ['string', 'number', 'boolean'].includes(typeof item) || Array.isArray(item),
        )
          ? value
          : UNSAFE;
      return UNSAFE;
    default:
      return UNSAFE;
  }
}

/** Columns of `table` whose type is json or jsonb, with that type (found through the table's row type). */
export async function jsonColumnsOf(
  db: AnyKysely,
  schema: string,
  table: string,
): Promise<Map<string, 'json' | 'jsonb'>> {
  const { rows } = await sql<{ attname: string; type: 'json' | 'jsonb' }>`
    select a.attname, pg_catalog.format_type(a.atttypid, null) as type from pg_catalog.pg_attribute a
      join pg_catalog.pg_type t on t.typrelid = a.attrelid
     where t.oid = pg_catalog.pg_typeof(null::${sql.id(schema, table)})::oid
       and a.attnum > 0 and not a.attisdropped
       and pg_catalog.format_type(a.atttypid, null) in ('json', 'jsonb')`.execute(db);
  return new Map(rows.map((r) => [r.attname, r.type]));
}
