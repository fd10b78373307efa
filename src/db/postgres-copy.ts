import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CopyWriter } from './copy-writer.js';
import { copyTextLine } from './copy-text.js';
import { quoteIdent } from './quote.js';

const COPY_BUFFER_BYTES = 256 * 1024;

/**
 * `COPY … FROM STDIN` on one node-postgres client, streamed with backpressure. While it is open
 * the client queues every other query, so callers must `end()` or `abort()` it before anything else.
 */
export function postgresCopyIn(client: pg.ClientBase, table: string, columns: readonly string[]): CopyWriter {
  // A few hundred KB of buffer let producing rows overlap with the server's work on what was sent.
  const stream = client.query(
    copyFrom(`copy ${table} (${columns.map(quoteIdent).join(', ')}) from stdin`, {
      highWaterMark: COPY_BUFFER_BYTES,
    }),
  );
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
      // A loopback socket takes every write at once, so without a turn of the event loop the
      // server's error (a bad value, an existing key) would only be read after the last row.
      else await nextTurn();
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
      stream.destroy(new Error('load abandoned'));
      await finished(stream).catch(() => undefined);
    },
  };
}
