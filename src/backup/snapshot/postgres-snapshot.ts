import { addAbortSignal } from 'node:stream';
import type pg from 'pg';
import pgCopyStreams from 'pg-copy-streams';
import { introspect, type SnapshotQuery } from './introspect.js';
import { rowSelect } from './row-select.js';
import { SNAPSHOT_SETTINGS, type Snapshot, type SnapshotScope, type SnapshotTable } from './snapshot.js';

/**
 * A snapshot on a PostgreSQL server: one dedicated session from the pool, one REPEATABLE READ,
 * READ ONLY transaction; rows stream out through COPY, rendered as JSON by the server.
 */
export async function withPostgresSnapshot<T>(
  pool: pg.Pool,
  scope: SnapshotScope,
  body: (snapshot: Snapshot) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin isolation level repeatable read, read only');
    for (const [name, value] of SNAPSHOT_SETTINGS)
      await client.query('select pg_catalog.set_config($1, $2, true)', [name, value]);
    const query: SnapshotQuery = async <Row>(text: string, params: unknown[]) =>
      (await client.query(text, params)).rows as Row[];
    const info = await introspect(query, scope);
    const result = await body({
      ...info,
      rows: (table, signal) => copyRows(client, scope.schema, table, signal),
    });
    await client.query('commit');
    client.release();
    return result;
  } catch (error) {
    // The session may be stuck mid-COPY: drop it (the server ends the read-only transaction).
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

/**
 * CSV format with quote and delimiter bytes that JSON text never contains unescaped makes COPY
 * emit each row's JSON unchanged, one per line (text format would double every backslash); the
 * leading comma is the array separator (see {@link Snapshot.rows}).
 */
async function* copyRows(
  client: pg.PoolClient,
  schema: string,
  table: SnapshotTable,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  const copy = `copy (select ',' || s.j from (${rowSelect(schema, table)}) as s) to stdout (format csv, quote e'\\x01', delimiter e'\\x02')`;
  const stream = client.query(pgCopyStreams.to(copy));
  if (signal) addAbortSignal(signal, stream);
  for await (const chunk of stream) yield chunk as Buffer;
}
