import type { CopyWriter } from '../../db/copy-writer.js';
import type { Queryable } from './live-schema.js';

export type { CopyWriter };

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
  /**
   * Commits the open transaction; when the session is lost before the answer, finds out whether
   * it committed (resolves) or not (throws). Absent where `commit` as a statement is all there is.
   */
  commit?(): Promise<void>;
  /**
   * Statements on another session, for the repairs a rollback does not make (sequences) once
   * this session is lost. Never for the load itself: they run outside its transaction.
   */
  readonly repairs?: Queryable;
}
