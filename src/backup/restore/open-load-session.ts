import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { Database } from '../../db/database.js';
import type { PostgresDatabase } from '../../db/postgres-database.js';
import type { LoadSession } from './load-session.js';

/**
 * Runs `fn` on a dedicated session of the backend: the only place restore code looks at which
 * backend it has (each needs its own bulk-load path).
 */
export async function withLoadSession<T>(
  database: Database,
  fn: (session: LoadSession) => Promise<T>,
): Promise<T> {
  const backend = database as Database & { pool?: pg.Pool; pglite?: PGlite } & Partial<
      Pick<PostgresDatabase, 'beforeCommit' | 'cancellableBackends'>
    >;
  if (backend.pool) {
    const { withPostgresSession } = await import('./postgres-session.js');
    return withPostgresSession(backend.pool, fn, backend.beforeCommit, backend.cancellableBackends);
  }
  if (backend.pglite) {
    const { withEmbeddedSession } = await import('./embedded-session.js');
    return withEmbeddedSession(database.kysely, backend.pglite, fn);
  }
  throw new Error(`restore does not support the ${database.kind} backend of ${database.description}`);
}
