import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import { introspect, type SnapshotQuery } from './introspect.js';
import { quoteIdent, rowSelect, type RowSelectOptions } from './row-select.js';
import { SNAPSHOT_SETTINGS, type Snapshot, type SnapshotScope, type SnapshotTable } from './snapshot.js';
import type { AnyDB } from '../../db/any-kysely.js';

/** Rows per page: bounds memory (the embedded engine returns each query's result whole). */
const PAGE_ROWS = 1000;

/**
 * A snapshot on the embedded engine (PGlite): one REPEATABLE READ, READ ONLY transaction on
 * Kysely's single connection. PGlite has no cursors and no COPY streaming, so each table is read
 * in pages, by keyset so that every page is one index range rather than an ever-growing OFFSET.
 */
export async function withEmbeddedSnapshot<T>(
  kysely: Kysely<AnyDB>,
  scope: SnapshotScope,
  body: (snapshot: Snapshot) => Promise<T>,
): Promise<T> {
  return kysely
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      for (const [name, value] of SNAPSHOT_SETTINGS)
        await sql`select pg_catalog.set_config(${name}, ${value}, true)`.execute(trx);
      const query = queryOn(trx);
      const info = await introspect(query, scope);
      return body({ ...info, rows: (table, signal) => pageRows(query, scope.schema, table, signal) });
    });
}

function queryOn(trx: Transaction<AnyDB>): SnapshotQuery {
  return async <Row>(text: string, params: unknown[]) =>
    (await trx.executeQuery<Row>(CompiledQuery.raw(text, params))).rows;
}

async function* pageRows(
  query: SnapshotQuery,
  schema: string,
  table: SnapshotTable,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  const keyset = keysetOf(table);
  let after: string[] | null = null;
  for (;;) {
    signal?.throwIfAborted();
    const options: RowSelectOptions = {
      extra: keyset.extra,
      orderBy: keyset.orderBy,
      limit: PAGE_ROWS,
      ...(after ? { where: keyset.where } : {}),
    };
    const rows: Array<Record<string, string>> = await query<Record<string, string>>(
      rowSelect(schema, table, options),
      after ?? [],
    );
    if (rows.length === 0) return;
    yield Buffer.from(rows.map((row) => `,${row.j}\n`).join(''));
    const last = rows[rows.length - 1] as Record<string, string>;
    after = keyset.extra.map((_, i) => last[`k${i}`] as string);
    if (rows.length < PAGE_ROWS) return;
  }
}

interface Keyset {
  /** Output columns `k0…` carrying the page's last key as text. */
  extra: string[];
  /** Row comparison against the previous page's last key, bound as `$1…`. */
  where: string;
  orderBy: string[];
}

/**
 * The primary key when there is one. Otherwise the physical row address (ctid; with tableoid for
 * a partitioned table, whose partitions each number their rows): a total order, and a stable one
 * here — rows visible to this snapshot cannot move or vanish while it is open and holds its lock
 * on the table (VACUUM FULL and CLUSTER need an exclusive lock), unlike ordering by every column
 * with OFFSET, which repeats or skips duplicate rows and cannot sort json or point columns.
 */
function keysetOf(table: SnapshotTable): Keyset {
  if (table.primaryKey) {
    const columns = table.primaryKey.map((name) => {
      const column = table.columns.find((c) => c.name === name);
      if (!column)
        throw new Error(`primary-key column ${name} of ${table.name} is not among its stored columns`);
      return column;
    });
    const refs = columns.map((c) => `src.${quoteIdent(c.name)}`);
    return {
      extra: columns.map((c, i) => `${c.outputFunction}(src.${quoteIdent(c.name)})::text as k${i}`),
      where: `(${refs.join(', ')}) > (${columns.map((c, i) => `$${i + 1}::${c.type}`).join(', ')})`,
      orderBy: refs,
    };
  }
  if (table.partitioned) {
    return {
      extra: ['src.tableoid::text as k0', 'src.ctid::text as k1'],
      where: '(src.tableoid, src.ctid) > ($1::pg_catalog.oid, $2::pg_catalog.tid)',
      orderBy: ['src.tableoid', 'src.ctid'],
    };
  }
  return { extra: ['src.ctid::text as k0'], where: 'src.ctid > $1::pg_catalog.tid', orderBy: ['src.ctid'] };
}
