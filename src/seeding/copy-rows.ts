import type { Row } from './sql-helpers.js';
import { isSqlExpression, jsonColumnValue, prepareValue } from './pg-values.js';

/**
 * Whether every row has exactly `columns`, each with a plain value: a missing key or
 * `undefined` means DEFAULT in an INSERT (COPY would store NULL) and a Kysely expression or
 * callback must be compiled, so such batches keep the statement path.
 */
export function copyableRows(rows: readonly Row[], columns: readonly string[]): boolean {
  for (const row of rows) {
    if (Object.keys(row).length !== columns.length) return false;
    for (const column of columns) {
      const value = row[column];
      if (value === undefined || typeof value === 'symbol' || isSqlExpression(value)) return false;
    }
  }
  return true;
}

/** One row's values as the text forms COPY takes (null for SQL NULL), exactly as they would be bound. */
export function copyValues(
  row: Row,
  columns: readonly string[],
  jsonColumns: ReadonlyMap<string, string>,
): (string | null)[] {
  return columns.map((column) => {
    const value = row[column];
    const prepared = prepareValue(jsonColumns.has(column) ? jsonColumnValue(value) : value);
    if (prepared === null) return null;
    return Buffer.isBuffer(prepared) ? `\\x${prepared.toString('hex')}` : prepared;
  });
}
