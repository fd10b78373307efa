import type { PGlite } from '@electric-sql/pglite';
import {
  createQueryId,
  sql,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely';
import { Mutex } from '../../util/mutex.js';
import { PGliteConnection } from './pglite-connection.js';

/**
 * Kysely driver over a single PGlite session. PGlite has exactly one backend session, so the
 * driver exposes one connection guarded by a mutex: while Kysely holds it (a query, or a whole
 * transaction) every other Kysely query waits its turn instead of running inside someone
 * else's transaction.
 *
 * Consequence: inside `db.transaction().execute(trx => …)` use `trx`, not `db` — a query on `db`
 * waits for the transaction to end and therefore deadlocks it (same as a pool of size 1).
 */
export class PGliteDriver implements Driver {
  readonly #pglite: PGlite;
  readonly #connection: PGliteConnection;
  readonly #mutex = new Mutex();

  /** Uses `pglite` without taking ownership: {@link destroy} leaves it open. */
  constructor(pglite: PGlite) {
    this.#pglite = pglite;
    this.#connection = new PGliteConnection(pglite);
  }

  /** Waits for PGlite to finish starting so start-up errors surface here. */
  async init(): Promise<void> {
    await this.#pglite.waitReady;
  }

  /** Waits for exclusive use of the single connection. */
  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    return this.#connection;
  }

  /** Gives the connection to the next waiter. */
  async releaseConnection(_connection: DatabaseConnection): Promise<void> {
    this.#mutex.unlock();
  }

  /** Opens a PGlite `transaction()`, honouring isolation level and access mode. */
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await asPGliteConnection(connection).beginTransaction(settings);
  }

  /** Commits; throws Kysely's `AbortedTransactionError` if PostgreSQL rolled back instead. */
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await asPGliteConnection(connection).commitTransaction();
  }

  /** Rolls back the open transaction (no-op if a failed commit already ended it). */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await asPGliteConnection(connection).rollbackTransaction();
  }

  /** `SAVEPOINT name` inside the open transaction. */
  async savepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await runSavepointCommand(connection, compileQuery, 'savepoint', savepointName);
  }

  /** `ROLLBACK TO SAVEPOINT name` inside the open transaction. */
  async rollbackToSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await runSavepointCommand(connection, compileQuery, 'rollback to savepoint', savepointName);
  }

  /** `RELEASE SAVEPOINT name` inside the open transaction. */
  async releaseSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await runSavepointCommand(connection, compileQuery, 'release savepoint', savepointName);
  }

  /** Does nothing: the caller owns the PGlite instance and closes it. */
  async destroy(): Promise<void> {}
}

type SavepointCommand = 'savepoint' | 'rollback to savepoint' | 'release savepoint';

async function runSavepointCommand(
  connection: DatabaseConnection,
  compileQuery: QueryCompiler['compileQuery'],
  command: SavepointCommand,
  savepointName: string,
): Promise<void> {
  // sql.id quotes the name, so arbitrary savepoint names cannot inject SQL.
  const node = sql`${sql.raw(command)} ${sql.id(savepointName)}`.toOperationNode();
  await connection.executeQuery(compileQuery(node, createQueryId()));
}

function asPGliteConnection(connection: DatabaseConnection): PGliteConnection {
  if (!(connection instanceof PGliteConnection)) {
    throw new Error('PGliteDriver was handed a connection it did not create');
  }
  return connection;
}
