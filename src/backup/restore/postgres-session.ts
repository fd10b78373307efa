import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CopyWriter, LoadSession } from './load-session.js';
import { copyTextLine } from './copy-text.js';
import { quoteIdent } from './quote.js';

const COPY_BUFFER_BYTES = 256 * 1024;

/**
 * A dedicated pooled client for the restore: the load is one COPY FROM STDIN per table, the
 * fastest way into PostgreSQL (what pg_restore does), fed each value's text form as is.
 * The client is destroyed rather than reused when the work failed, so a half-finished COPY
 * can never leak into the pool.
 */
export async function withPostgresSession<T>(pool: pg.Pool, fn: (session: LoadSession) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    return await fn(postgresSession(client));
  } catch (error) {
    failed = error as Error;
    throw error;
  } finally {
    client.release(failed);
  }
}

function postgresSession(client: pg.PoolClient): LoadSession {
  return {
    async query<R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) {
      const result = await client.query(sql, params ? [...params] : undefined);
      return result.rows as R[];
    },
    copyIn(table, columns) {
      // A few MB of buffer let parsing the backup overlap with the server's work on what was sent.
      const stream = client.query(copyFrom(`copy ${table} (${columns.map(quoteIdent).join(', ')}) from stdin`, { highWaterMark: COPY_BUFFER_BYTES }));
      let failure: Error | undefined;
      let ended = false;
      // Keep a server-side error (bad value, cancel) from becoming an unhandled 'error' event.
      stream.on('error', (error) => (failure ??= error));
      return {
        async write(rows): Promise<void> {
          if (failure) throw failure;
          let text = '';
          for (const row of rows) text += copyTextLine(row);
          if (!stream.write(text)) await once(stream, 'drain');
        },
        async end(): Promise<number> {
          if (failure) throw failure;
          ended = true;
          stream.end();
          await finished(stream);
          return stream.rowCount;
        },
        async abort(): Promise<void> {
          // After a server-side error the COPY is already over (and the stream detached from the connection).
          if (failure || ended) return;
          ended = true;
          // destroy() sends CopyFail: the server ends the COPY and the session can take ROLLBACK.
          stream.destroy(new Error('restore abandoned'));
          await finished(stream).catch(() => undefined);
        },
      } satisfies CopyWriter;
    },
  };
}
