import { METADATA_KEY, type BackupMetadata } from '../format.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { OperationError, SeedError } from '../../errors.js';
import { arrayElements } from './array-elements.js';

export interface DocumentOptions {
  signal?: AbortSignal | undefined;
  /** Filled in as tables are written: rows per table. */
  counts: Record<string, number>;
  /** Rows written so far for `table`. */
  onRows?: (table: string, rows: number) => void;
}

/**
 * The uncompressed backup document, in chunks: the metadata entry first, then each table's rows
 * as the snapshot streams them. Only the chunk in flight is held in memory.
 */
export async function* backupDocument(
  snapshot: Snapshot,
  metadata: BackupMetadata,
  options: DocumentOptions,
): AsyncGenerator<Buffer> {
  yield Buffer.from(`{${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  for (const table of snapshot.tables) {
    yield Buffer.from(`,\n${JSON.stringify(table.name)}:[\n`);
    let rows = 0;
    options.counts[table.name] = 0;
    const count = (n: number): void => {
      rows += n;
      options.counts[table.name] = rows;
      options.onRows?.(table.name, rows);
    };
    try {
      for await (const chunk of arrayElements(snapshot.rows(table, options.signal), count)) yield chunk;
    } catch (error) {
      throw readError(table.name, error, options.signal);
    }
    yield Buffer.from(']');
  }
  yield Buffer.from('}\n');
}

function readError(table: string, error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted || error instanceof SeedError || (error as Error)?.name === 'AbortError') return error;
  const message = (error as Error)?.message ?? String(error);
  const hint = /row-level security/i.test(message)
    ? ' Row-level security would hide rows from this backup, so it stops instead: run it as the table owner or a role with BYPASSRLS.'
    : /permission denied/i.test(message)
      ? ' The database user needs SELECT on every table (and sequence) in the schema, or narrow backup.include / backup.exclude.'
      : '';
  return new OperationError('BACKUP_FAILED', `could not read table "${table}": ${message}.${hint}`, {
    cause: error,
  });
}
