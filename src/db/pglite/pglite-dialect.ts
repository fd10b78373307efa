import type { PGlite } from '@electric-sql/pglite';
import {
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
} from 'kysely';
import { PGliteDriver } from './pglite-driver.js';
import type { AnyDB } from '../any-kysely.js';

/** Configuration for {@link PGliteDialect}. */
export interface PGliteDialectConfig {
  /**
   * The PGlite instance to run on. The caller owns it: opening it before use and closing it
   * after `kysely.destroy()`; the dialect never closes it. Commit or roll back every
   * transaction first: `pglite.close()` queues behind an open PGlite transaction and would hang.
   */
  readonly pglite: PGlite;
}

/**
 * Kysely dialect for PGlite (embedded PostgreSQL in WASM), reusing Kysely's PostgreSQL
 * compiler, adapter and introspector.
 *
 * PGlite is a single session, so Kysely gets one connection behind a mutex: queries outside a
 * transaction wait for it to finish rather than running inside it. Transactions use PGlite's
 * `transaction()` API. `stream()` is buffered (PGlite has no cursors); see
 * {@link PGliteConnection.streamQuery}.
 *
 * ```ts
 * const pglite = new PGlite()
 * const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) })
 * // …
 * await db.destroy()
 * await pglite.close()
 * ```
 */
export class PGliteDialect implements Dialect {
  readonly #config: PGliteDialectConfig;

  /** See {@link PGliteDialectConfig}. */
  constructor(config: PGliteDialectConfig) {
    this.#config = config;
  }

  /** Creates the single-connection driver for the configured instance. */
  createDriver(): Driver {
    return new PGliteDriver(this.#config.pglite);
  }

  /** PostgreSQL SQL compiler. */
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  /** PostgreSQL adapter (RETURNING, transactional DDL, advisory-lock migrations). */
  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  /** PostgreSQL introspector. */
  createIntrospector(db: Kysely<AnyDB>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
