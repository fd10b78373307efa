import type { BackupMetadata, ColumnInfo } from '../format.js';

/** A column as the backup stores it, plus how to render it as text on the server. */
export interface SnapshotColumn extends ColumnInfo {
  /**
   * The type's own output function, schema-qualified and quoted (e.g. `pg_catalog.boolout`).
   * Calling it gives exactly PostgreSQL's text form; a `::text` cast would not for every type
   * (boolean gives `true` instead of `t`, inet adds `/32`, char(n) drops its padding).
   */
  outputFunction: string;
}

/** One table in scope: a plain table, or a partitioned table read once through its parent. */
export interface SnapshotTable {
  name: string;
  partitioned: boolean;
  columns: SnapshotColumn[];
  /** Primary-key column names in key order, or null when the table has none. */
  primaryKey: string[] | null;
  /** The catalog's row estimate (for progress only: it may be stale or 0). */
  estimatedRows: number;
}

export type SequenceState = BackupMetadata['sequences'][number];

/** Which tables the backup covers. */
export interface SnapshotScope {
  schema: string;
  /** Only these tables (unset: every base table of the schema). */
  include?: readonly string[] | undefined;
  exclude: readonly string[];
  /** Never backed up (the tool's own tables). */
  alwaysExcluded: readonly string[];
}

/**
 * A consistent, read-only view of the database: everything read through it comes from one
 * REPEATABLE READ transaction, so all tables show the same instant.
 */
export interface Snapshot {
  /** `server_version` of the backend. */
  readonly serverVersion: string;
  readonly tables: readonly SnapshotTable[];
  readonly sequences: readonly SequenceState[];
  /**
   * The rows of `table`, each rendered by the server as one JSON object whose values are the
   * columns' text forms (JSON strings, SQL NULL as null), one object per `\n`-terminated line,
   * each line starting with the `,` that separates array elements (the writer drops the first):
   * the bytes go into the document as they come, never copied to insert separators.
   * Chunks may split or join lines anywhere.
   */
  rows(table: SnapshotTable, signal?: AbortSignal): AsyncIterable<Buffer>;
}

/** Settings every snapshot session uses so text forms are the same wherever they are read. */
export const SNAPSHOT_SETTINGS: ReadonlyArray<readonly [string, string]> = [
  // RLS would silently hide rows; off makes a policy-protected table fail the backup loudly instead.
  ['row_security', 'off'],
  // Shortest exact float text (PostgreSQL 12+ treats any value > 0 so).
  ['extra_float_digits', '3'],
  ['DateStyle', 'ISO, MDY'],
  ['IntervalStyle', 'postgres'],
  ['TimeZone', 'UTC'],
  ['bytea_output', 'hex'],
  // format_type() then schema-qualifies every type outside pg_catalog (`public.mpaa_rating`), so
  // the stored type names do not depend on the session's search_path.
  ['search_path', 'pg_catalog'],
  // A backup of a large table may outlast the timeout meant for seeding statements.
  ['statement_timeout', '0'],
];
