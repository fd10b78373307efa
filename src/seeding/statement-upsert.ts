import type { AnyKysely } from '../db/any-kysely.js';
import { toJsonPayload } from './json-rows.js';
import { batchSize, chunks, selectFromJson, type Row, type UpsertSpec, upsertBatch } from './sql-helpers.js';

/** Rows per json_populate_recordset statement: large enough to amortize round trips, small enough to bound memory. */
const JSON_BATCH_ROWS = 10_000;

/**
 * Upserts rows by statements: each batch as ONE json parameter; rows without an exact JSON form
 * fall back to bind parameters. Returns one entry per row created or updated.
 */
export async function upsertByStatements(
  db: AnyKysely,
  spec: UpsertSpec,
  columns: string[],
  rows: readonly Row[],
  signal: AbortSignal,
): Promise<{ inserted: boolean }[]> {
  const changed: { inserted: boolean }[] = [];
  for (const batch of chunks(rows, JSON_BATCH_ROWS)) {
    signal.throwIfAborted();
    const payload = toJsonPayload(batch, columns, spec.jsonColumns ?? new Map());
    const from = payload ? { columns, select: selectFromJson(spec, columns, payload) } : undefined;
    changed.push(
      ...(from
        ? await upsertBatch(db, spec, batch, { returnRows: false, from })
        : await upsertWithParameters(db, spec, batch)),
    );
  }
  return changed;
}

/** The fallback for rows without an exact JSON form: batches within the bind-parameter limit. */
async function upsertWithParameters(db: AnyKysely, spec: UpsertSpec, rows: readonly Row[]) {
  const results = [];
  for (const batch of chunks(rows, batchSize(Object.keys(rows[0] ?? {}).length))) {
    results.push(...(await upsertBatch(db, spec, batch, { returnRows: false })));
  }
  return results;
}
