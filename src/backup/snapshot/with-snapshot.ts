import type pg from 'pg';
import type { Database } from '../../db/database.js';
import type { Snapshot, SnapshotScope } from './snapshot.js';

/**
 * Opens a consistent read-only snapshot of `database` for the duration of `body` and always
 * closes it. The one place that picks the backend; each backend's file loads only when used.
 */
export async function withSnapshot<T>(
  database: Database,
  scope: SnapshotScope,
  body: (snapshot: Snapshot) => Promise<T>,
): Promise<T> {
  if (database.kind === 'postgres' && 'pool' in database) {
    const { withPostgresSnapshot } = await import('./postgres-snapshot.js');
    return withPostgresSnapshot((database as Database & { pool: pg.Pool }).pool, scope, body);
  }
  const { withEmbeddedSnapshot } = await import('./embedded-snapshot.js');
  return withEmbeddedSnapshot(database.kysely, scope, body);
}
