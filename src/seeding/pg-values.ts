import { createRequire } from 'node:module';
import { isOperationNodeSource } from 'kysely';

// node-postgres's own conversion of a JS value into the text it sends for a parameter. Every
// upsert path uses it (or agrees with it), so a value lands the same whichever path carries it.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as {
  prepareValue: (value: unknown) => string | Buffer | null;
};

export { prepareValue };

/** A Kysely expression or expression callback: compiled into the statement, never a plain value. */
export function isSqlExpression(value: unknown): boolean {
  return (
    typeof value === 'function' ||
    (typeof value === 'object' && value !== null && isOperationNodeSource(value))
  );
}

/**
 * What a json/jsonb column receives for a JS value: a string is taken as JSON text as it is; any
 * other object (array, Date, Buffer, plain object) is JSON-encoded — node-postgres alone would turn
 * an array into a PostgreSQL array literal, which is not JSON.
 */
export function jsonColumnValue(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !isSqlExpression(value)) return JSON.stringify(value);
  return value;
}

/** `row` with its json/jsonb columns' values passed through {@link jsonColumnValue}. */
export function withJsonColumns<R extends Record<string, unknown>>(
  row: R,
  jsonColumns: ReadonlyMap<string, string> | undefined,
): R {
  if (!jsonColumns || jsonColumns.size === 0) return row;
  let copy: Record<string, unknown> | undefined;
  for (const column of jsonColumns.keys()) {
    if (!(column in row)) continue;
    const value = jsonColumnValue(row[column]);
    if (value === row[column]) continue;
    copy ??= { ...row };
    copy[column] = value;
  }
  return (copy ?? row) as R;
}
