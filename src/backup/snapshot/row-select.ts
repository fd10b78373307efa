import type { SnapshotTable } from './snapshot.js';

/** `"name"` with embedded quotes doubled: identifiers are always quoted, never spliced raw. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export interface RowSelectOptions {
  /** Extra output columns after the row's JSON (e.g. the keyset of the last row of a page). */
  extra?: readonly string[];
  where?: string;
  orderBy?: readonly string[];
  limit?: number;
}

/**
 * `SELECT` giving one column: each row as a JSON object of its columns' text forms, keys in
 * column order. `row_to_json` over a LATERAL sub-select of `output_function(column)::text`
 * values keeps the order, has no argument limit (json_build_object stops at 50 columns) and
 * renders every value as a JSON string or null — nothing is ever a JSON number. The planner
 * flattens the LATERAL sub-select, so this is a plain scan. `src` is the table's alias.
 */
export function rowSelect(schema: string, table: SnapshotTable, options: RowSelectOptions = {}): string {
  const values = table.columns.map(
    (c) => `${c.outputFunction}(src.${quoteIdent(c.name)})::text as ${quoteIdent(c.name)}`,
  );
  // Without ONLY a plain table would also return the rows of tables inheriting from it (they are
  // backed up on their own); a partitioned table holds its rows in its partitions, so it needs them.
  const from = `${table.partitioned ? '' : 'only '}${quoteIdent(schema)}.${quoteIdent(table.name)} as src`;
  return [
    `select pg_catalog.row_to_json(r.*)::text as j${(options.extra ?? []).map((e) => `, ${e}`).join('')}`,
    `from ${from} cross join lateral (select ${values.join(', ')}) as r`,
    options.where ? `where ${options.where}` : '',
    options.orderBy?.length ? `order by ${options.orderBy.join(', ')}` : '',
    options.limit !== undefined ? `limit ${Math.trunc(options.limit)}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}
