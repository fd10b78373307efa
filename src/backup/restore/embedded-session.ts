import type { PGlite } from '@electric-sql/pglite';
import type { Kysely } from 'kysely';
import type { CopyWriter, LoadSession } from './load-session.js';
import { copyTextLine } from '../../db/copy-text.js';
import { quoteIdent } from '../../db/quote.js';
import type { AnyDB } from '../../db/any-kysely.js';

/** PGlite takes COPY data as a Blob, not a stream: load in slices of about this many bytes. */
const SLICE_BYTES = 8 * 1024 * 1024;

/**
 * The embedded engine's session. PGlite is a single session shared with Kysely, so the Kysely
 * connection is held for the whole restore: no other query of this process can slip into the
 * restore's transaction. Rows load with `COPY … FROM '/dev/blob'` (PGlite's way of feeding
 * COPY) in bounded slices — each a few MB of COPY text, never a table at once.
 */
export async function withEmbeddedSession<T>(
  kysely: Kysely<AnyDB>,
  pglite: PGlite,
  fn: (session: LoadSession) => Promise<T>,
): Promise<T> {
  return kysely.connection().execute(() => fn(embeddedSession(pglite)));
}

function embeddedSession(pglite: PGlite): LoadSession {
  return {
    async query<R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) {
      const result = await pglite.query<R>(sql, params ? [...params] : undefined);
      return result.rows;
    },
    copyIn(table, columns) {
      const statement = `copy ${table} (${columns.map(quoteIdent).join(', ')}) from '/dev/blob'`;
      let parts: string[] = [];
      let bytes = 0;
      let stored = 0;
      const flush = async (): Promise<void> => {
        if (parts.length === 0) return;
        const blob = new Blob(parts);
        parts = [];
        bytes = 0;
        const result = await pglite.query(statement, [], { blob });
        stored += result.affectedRows ?? 0;
      };
      return {
        async write(rows): Promise<void> {
          let text = '';
          for (const row of rows) text += copyTextLine(row);
          parts.push(text);
          bytes += text.length;
          if (bytes >= SLICE_BYTES) await flush();
        },
        async end(): Promise<number> {
          await flush();
          return stored;
        },
        async abort(): Promise<void> {
          parts = [];
        },
      } satisfies CopyWriter;
    },
  };
}
