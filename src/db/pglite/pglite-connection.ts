import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { CompiledQuery, DatabaseConnection, QueryResult, TransactionSettings } from 'kysely';
import { PGliteOpenTransaction } from './pglite-transaction.js';

/** Kysely's default `stream()` chunk size, used when the caller passes none. */
const DEFAULT_CHUNK_SIZE = 100;

const ROW_COUNT_COMMANDS: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/**
 * The single Kysely connection onto a PGlite instance. Outside a transaction statements run on
 * the instance itself; between {@link beginTransaction} and commit/rollback they run on the open
 * PGlite transaction.
 */
export class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;
  #transaction: PGliteOpenTransaction | undefined;

  /** Wraps `pglite`; does not take ownership of it. */
  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  /** Runs one statement; parameters are passed to PGlite unchanged. */
  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const session: PGlite | Transaction = this.#transaction?.tx ?? this.#pglite;
    const result = await session.query<R>(compiledQuery.sql, [...compiledQuery.parameters]);
    return {
      rows: result.rows,
      numAffectedRows:
        result.command !== undefined && ROW_COUNT_COMMANDS.has(result.command)
          ? BigInt(result.affectedRows ?? 0)
          : undefined,
    };
  }

  /**
   * PGlite has no server-side cursors, so this is NOT a true stream: the whole result is
   * materialised in memory by one query and then yielded in `chunkSize` slices. It keeps
   * `db.….stream()` working, but gives no memory benefit for large results.
   */
  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize: number = DEFAULT_CHUNK_SIZE,
  ): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw new Error('chunkSize must be a positive integer');
    }
    const { rows } = await this.executeQuery<R>(compiledQuery);
    for (let start = 0; start < rows.length; start += chunkSize) {
      yield { rows: rows.slice(start, start + chunkSize) };
    }
  }

  /** Opens a PGlite transaction that subsequent statements on this connection run in. */
  async beginTransaction(settings: TransactionSettings): Promise<void> {
    if (this.#transaction !== undefined) {
      throw new Error('A transaction is already open on this PGlite connection');
    }
    this.#transaction = await PGliteOpenTransaction.begin(this.#pglite, settings);
  }

  /** Commits the open transaction; see {@link PGliteOpenTransaction.commit} for failures. */
  async commitTransaction(): Promise<void> {
    const transaction = this.#takeTransaction();
    if (transaction === undefined) {
      throw new Error('No transaction is open on this PGlite connection');
    }
    await transaction.commit();
  }

  /**
   * Rolls back the open transaction. A no-op when none is open: Kysely calls rollback after a
   * failed commit, by which point PostgreSQL has already ended the transaction.
   */
  async rollbackTransaction(): Promise<void> {
    await this.#takeTransaction()?.rollback();
  }

  // Detaching before awaiting the outcome means a failed COMMIT/ROLLBACK never leaves later
  // statements routed to a dead transaction handle.
  #takeTransaction(): PGliteOpenTransaction | undefined {
    const transaction = this.#transaction;
    this.#transaction = undefined;
    return transaction;
  }
}
