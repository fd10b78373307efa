import type { Queryable } from './live-schema.js';

/**
 * One database session for a whole restore (or reset check): plain SQL plus a bulk loader.
 * Statements run in the order given; `begin` / `commit` / `rollback` are ordinary statements.
 */
export interface LoadSession extends Queryable {
  /**
   * Starts `COPY <table> (<columns>) FROM STDIN` (text format) on this session. `table` is SQL
   * text already quoted from the live catalog; the column names are quoted here.
   */
  copyIn(table: string, columns: readonly string[]): CopyWriter;
}

/** Rows going into one table; memory stays bounded whatever the table's size. */
export interface CopyWriter {
  /** Takes a batch of rows (text forms or null); resolves when the loader can take more. */
  write(rows: readonly (readonly (string | null)[])[]): Promise<void>;
  /** Ends the load; resolves with the number of rows the server stored. */
  end(): Promise<number>;
  /** Abandons an unfinished load so the session can roll back (a no-op once it ended or failed). */
  abort(): Promise<void>;
}
