/** Rows going into one table through `COPY … FROM STDIN`; memory stays bounded whatever the table's size. */
export interface CopyWriter {
  /** Takes a batch of rows (text forms or null); resolves when the loader can take more. */
  write(rows: readonly (readonly (string | null)[])[]): Promise<void>;
  /** Ends the load; resolves with the number of rows the server stored. */
  end(): Promise<number>;
  /** Abandons an unfinished load so the session can roll back (a no-op once it ended or failed). */
  abort(): Promise<void>;
}

/**
 * Starts `COPY <table> (<columns>) FROM STDIN` (text format) on a session. `table` is SQL text
 * already quoted; the column names are quoted by the implementation.
 */
export type CopyIn = (table: string, columns: readonly string[]) => CopyWriter;
