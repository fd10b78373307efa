import { TransactionAbortedError, type PGlite, type Transaction } from '@electric-sql/pglite';
import {
  AbortedTransactionError,
  TRANSACTION_ACCESS_MODES,
  TRANSACTION_ISOLATION_LEVELS,
  type TransactionSettings,
} from 'kysely';

type Outcome = 'commit' | 'rollback';

/**
 * A PGlite `transaction()` held open across Kysely's separate begin / commit / rollback calls.
 *
 * PGlite only offers a callback-scoped, exclusive transaction API; the callback here parks on a
 * deferred outcome so the transaction stays open until {@link commit} or {@link rollback}.
 */
export class PGliteOpenTransaction {
  readonly #tx: Transaction;
  readonly #settle: (outcome: Outcome) => void;
  readonly #done: Promise<void>;

  private constructor(tx: Transaction, settle: (outcome: Outcome) => void, done: Promise<void>) {
    this.#tx = tx;
    this.#settle = settle;
    this.#done = done;
  }

  /**
   * Opens a transaction on `pglite`, applying isolation level / access mode as its first
   * statement. Rejects (with the transaction already rolled back) if opening fails.
   */
  static async begin(pglite: PGlite, settings: TransactionSettings): Promise<PGliteOpenTransaction> {
    const setup = transactionSettingsSql(settings);

    let settle!: (outcome: Outcome) => void;
    const outcome = new Promise<Outcome>((resolve) => {
      settle = resolve;
    });
    let opened!: (tx: Transaction) => void;
    let failedToOpen!: (error: unknown) => void;
    const ready = new Promise<Transaction>((resolve, reject) => {
      opened = resolve;
      failedToOpen = reject;
    });

    const done = pglite.transaction(async (tx) => {
      if (setup !== undefined) {
        await tx.query(setup);
      }
      opened(tx);
      if ((await outcome) === 'rollback') {
        await tx.rollback();
      }
      // Returning normally on 'commit' makes PGlite issue COMMIT and reject `done` if it fails.
    });
    // Before `ready` this rejects begin(); afterwards it is a no-op and commit()/rollback()
    // observe the failure by awaiting `done` themselves. Also keeps `done` from being unhandled.
    done.catch(failedToOpen);

    return new PGliteOpenTransaction(await ready, settle, done);
  }

  /** The PGlite transaction handle every statement of this transaction must run on. */
  get tx(): Transaction {
    return this.#tx;
  }

  /**
   * Commits and waits for COMMIT to finish. Throws Kysely's {@link AbortedTransactionError}
   * when PostgreSQL rolled back instead (an earlier statement failed), and rethrows errors raised
   * by COMMIT itself (e.g. a deferred constraint); in both cases the transaction is over.
   */
  async commit(): Promise<void> {
    this.#settle('commit');
    try {
      await this.#done;
    } catch (error) {
      if (error instanceof TransactionAbortedError) {
        throw new AbortedTransactionError();
      }
      throw error;
    }
  }

  /** Rolls back and waits for ROLLBACK to finish. */
  async rollback(): Promise<void> {
    this.#settle('rollback');
    await this.#done;
  }
}

/**
 * `SET TRANSACTION …` for the requested settings, or `undefined` when none are given.
 * Values are checked against Kysely's allow-lists because they are spliced into SQL.
 */
function transactionSettingsSql(settings: TransactionSettings): string | undefined {
  const { isolationLevel, accessMode } = settings;
  if (isolationLevel !== undefined && !TRANSACTION_ISOLATION_LEVELS.includes(isolationLevel)) {
    throw new Error(`invalid transaction isolation level ${String(isolationLevel)}`);
  }
  if (accessMode !== undefined && !TRANSACTION_ACCESS_MODES.includes(accessMode)) {
    throw new Error(`invalid transaction access mode ${String(accessMode)}`);
  }
  const parts: string[] = [];
  if (isolationLevel !== undefined) {
    parts.push(`isolation level ${isolationLevel}`);
  }
  if (accessMode !== undefined) {
    parts.push(accessMode);
  }
  return parts.length > 0 ? `set transaction ${parts.join(' ')}` : undefined;
}
