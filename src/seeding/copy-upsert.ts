import { sql, type RawBuilder } from 'kysely';
import type { AnyKysely } from '../db/any-kysely.js';
import type { CopyIn, CopyWriter } from '../db/copy-writer.js';
import { qualified } from '../db/quote.js';
import { copyValues } from './copy-rows.js';
import {
  INSERTED_FLAG,
  countUpserted,
  distinctColumns,
  updatedColumns,
  upsertBatch,
  upsertStatement,
  type Row,
  type UpsertSpec,
} from './sql-helpers.js';
import {
  inputDigest,
  loadMemo,
  memoContext,
  rowVersions,
  saveMemo,
  versionsDigest,
  type InputDigest,
  type InputHeader,
  type MemoKey,
} from './upsert-memo.js';

/** Rows per write to the COPY stream: enough text to amortize the call, little enough to stay flat. */
const ROWS_PER_WRITE = 1_000;

/** Sees every batch of values a COPY sends. */
type Tap = (values: readonly (readonly (string | null)[])[]) => void;

/** Names temporary tables and savepoints uniquely, even for upserts a seeder runs concurrently. */
let callCounter = 0;

/** What the catalog says about a bulk upsert's target table. */
export interface BulkTarget {
  /** The table's schema-qualified name as SQL text (quoted where needed, by `format('%I.%I')`). */
  table: string;
  /**
   * A plain table with an immediate, non-partial unique index on exactly the conflict columns
   * and no INSERT rules: a COPY straight into it either stores every row exactly as the upsert
   * would have inserted it, or fails (and is undone) when any key already exists.
   */
  straightCopyPossible: boolean;
}

/** Looked up in `schema` explicitly: Kysely's withSchema does not reach a standalone raw query. */
export async function findBulkTarget(
  db: AnyKysely,
  schema: string,
  table: string,
  conflict: readonly string[],
): Promise<BulkTarget> {
  const keys = [...conflict].sort();
  const { rows } = await sql<{ table: string; straight: boolean }>`
    select pg_catalog.format('%I.%I', n.nspname, c.relname) as table,
           c.relkind in ('r', 'p')
           and not exists (select 1 from pg_catalog.pg_rewrite r where r.ev_class = c.oid and r.ev_type = '3')
           and exists (
             select 1 from pg_catalog.pg_index i
              where i.indrelid = c.oid and i.indisunique and i.indimmediate and i.indisvalid
                and i.indpred is null and i.indexprs is null and i.indnatts = ${keys.length}
                and (select array_agg(a.attname::text order by a.attname::text) from pg_catalog.pg_attribute a
                      where a.attrelid = c.oid and a.attnum = any(i.indkey::int2[])) = ${keys}::text[]) as straight
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where c.reltype = pg_catalog.pg_typeof(null::${sql.id(schema, table)})::oid`.execute(db);
  const found = rows[0];
  if (!found) throw new Error(`table "${schema}"."${table}" not found`);
  return { table: found.table, straightCopyPossible: found.straight };
}

/** One bulk upsert's rows and where they go, as both ways of sending them by COPY take it. */
interface CopyLoad {
  db: AnyKysely;
  copyIn: CopyIn;
  spec: UpsertSpec;
  target: BulkTarget;
  columns: readonly string[];
  rows: readonly Row[];
  signal: AbortSignal;
  canStage: () => Promise<boolean>;
}

/**
 * The bulk upsert, two ways, both ending in what one INSERT … ON CONFLICT would have done:
 * - When no key exists yet (a first seeding) the rows COPY straight into the table — as fast as
 *   loading gets. It runs under a savepoint: the first existing key (or any other failure) undoes
 *   it and the second way runs instead, reporting the real error if there is one.
 * - Otherwise the rows COPY into a temporary table of the target's column types, and ONE
 *   `INSERT … SELECT … ON CONFLICT` moves across only rows that are new or differ (an anti-join
 *   skips unchanged rows, so a re-run writes and locks nothing).
 * Returns how many rows were created and updated, or null when the second way is needed but the
 * role may not create temporary tables (the caller then uses ordinary statements).
 */
export async function upsertViaCopy(
  request: CopyLoad & {
    /** Where this call's memo is kept (see upsert-memo.ts); null to check every row as usual. */
    memo: MemoKey | null;
  },
): Promise<{ created: number; updated: number } | null> {
  const { db, spec, target, columns, rows, signal } = request;
  const jsonColumns = spec.jsonColumns ?? new Map<string, string>();
  callCounter += 1;
  // A memo needs the unique index ON CONFLICT would use: without it the statement it skips fails.
  const context =
    request.memo && target.straightCopyPossible
      ? await memoContext(db, request.memo.schema, target.table, columns, rows.length)
      : null;
  const memo =
    request.memo && context !== null
      ? { key: request.memo, header: { table: target.table, spec, columns, context } }
      : null;
  if (memo && (await unchangedSinceMemo(db, memo.key, memo.header, { rows, jsonColumns, signal })))
    return { created: 0, updated: 0 };
  const result = await loadRows(request, jsonColumns, memo ? () => inputDigest(memo.header) : null);
  if (!result) return null;
  if (memo && result.sent?.deterministic() && result.versions !== null) {
    await saveMemo(db, memo.key, { inputDigest: result.sent.hex(), rowVersions: result.versions });
  }
  return { created: result.created, updated: result.updated };
}

/** True when the memo's input digest matches these rows and no row version moved since it was kept. */
async function unchangedSinceMemo(
  db: AnyKysely,
  key: MemoKey,
  header: InputHeader,
  call: { rows: readonly Row[]; jsonColumns: ReadonlyMap<string, string>; signal: AbortSignal },
): Promise<boolean> {
  const memo = await loadMemo(db, key);
  if (!memo || memo.rowVersions !== (await rowVersions(db, header.table))) return false;
  const digest = inputDigest(header);
  for (const values of valueBatches(call.rows, header.columns, call.jsonColumns, call.signal))
    digest.add(values);
  return digest.deterministic() && digest.hex() === memo.inputDigest;
}

/**
 * The two ways (see upsertViaCopy). With `newDigest` (a memo is kept) each attempt digests the
 * rows it sends afresh — a straight COPY may be undone and the staging send them again — and
 * the row versions after the write come back with the digest of the attempt that stood.
 */
async function loadRows(
  request: CopyLoad,
  jsonColumns: ReadonlyMap<string, string>,
  newDigest: (() => InputDigest) | null,
): Promise<{ created: number; updated: number; versions: string | null; sent: InputDigest | null } | null> {
  const { db, copyIn, spec, target, columns, rows, signal } = request;
  // A re-run's first key is already there: skip the straight COPY that would fail on it at once.
  if (target.straightCopyPossible && !(await keyExists(db, spec, target, rows[0]!))) {
    const sent = newDigest?.() ?? null;
    const stored = await copyStraightIn({
      db,
      copyIn,
      target,
      columns,
      rows,
      jsonColumns,
      signal,
      call: callCounter,
      tap: sent?.add,
    });
    // A BEFORE INSERT trigger may skip rows: count what the server stored, as RETURNING would.
    // Rows this transaction inserted cannot change under it, so reading the versions afterwards is safe.
    if (stored !== null)
      return {
        created: stored,
        updated: 0,
        versions: sent ? await rowVersions(db, target.table) : null,
        sent,
      };
  }
  if (!(await request.canStage())) return null;
  const stage = `foodfleet_seed_stage_${callCounter}`;
  const stageRef = sql.id('pg_temp', stage);
  const columnRefs = sql.join(columns.map((c) => sql.ref(c)));
  await sql`create temporary table ${stageRef} on commit drop as select ${columnRefs} from ${sql.raw(target.table)} with no data`.execute(
    db,
  );
  const sent = newDigest?.() ?? null;
  await copyRows(copyIn(qualified('pg_temp', stage), columns), columns, rows, jsonColumns, signal, sent?.add);
  const select = sql`select ${sql.join(columns.map((c) => sql.ref(`s.${c}`)))} from ${stageRef} as s where not exists (${unchangedMatch(spec, target)})`;
  const outcome = sent
    ? await upsertWithVersions(db, spec, target, { columns, select })
    : {
        ...countUpserted(await upsertBatch(db, spec, [], { returnRows: false, from: { columns, select } })),
        versions: null,
      };
  await sql`drop table ${stageRef}`.execute(db);
  return { ...outcome, sent };
}

/**
 * The staging INSERT and, in the same statement (one snapshot), the table's row versions after
 * it: rows it left alone as of that snapshot plus the versions it wrote. Read in a later
 * statement, a row another session changed in between would enter the memo as if the input had
 * been applied to it.
 */
async function upsertWithVersions(
  db: AnyKysely,
  spec: UpsertSpec,
  target: BulkTarget,
  from: { columns: readonly string[]; select: RawBuilder<unknown> },
): Promise<{ created: number; updated: number; versions: string }> {
  const keys = spec.conflict.map((column, i) => ({ column, alias: `__key_${i}` }));
  const statement = upsertStatement(db, spec, [], from).returning([
    INSERTED_FLAG.as('__inserted'),
    sql`ctid`.as('__ctid'),
    sql`xmin`.as('__xmin'),
    ...keys.map(({ column, alias }) => sql.ref(column).as(alias)),
  ]);
  const written = keyEquals(
    spec.conflict,
    (c) => sql.ref(`w.${keys.find((k) => k.column === c)!.alias}`),
    (c) => sql.ref(`t.${c}`),
  );
  const { rows } = await sql<{ created: string; updated: string; versions: string }>`
    with w as (${statement})
    select (select count(*) from w where w.__inserted) as created,
           (select count(*) from w where not w.__inserted) as updated,
           (select ${versionsDigest(sql.ref('v.ctid'), sql.ref('v.xmin'))}
              from (select t.ctid, t.xmin from ${sql.raw(target.table)} as t where not exists (select 1 from w where ${written})
                    union all select w.__ctid, w.__xmin from w) as v) as versions`.execute(db);
  const row = rows[0]!;
  return { created: Number(row.created), updated: Number(row.updated), versions: row.versions };
}

/** The rows stored, or null when the COPY failed and was undone (a key already exists, or anything else). */
async function copyStraightIn(request: {
  db: AnyKysely;
  copyIn: CopyIn;
  target: BulkTarget;
  columns: readonly string[];
  rows: readonly Row[];
  jsonColumns: ReadonlyMap<string, string>;
  signal: AbortSignal;
  call: number;
  tap: Tap | undefined;
}): Promise<number | null> {
  const { db, signal } = request;
  const savepoint = sql.id(`foodfleet_seed_copy_${request.call}`);
  await sql`savepoint ${savepoint}`.execute(db);
  let stored: number;
  try {
    stored = await copyRows(
      request.copyIn(request.target.table, request.columns),
      request.columns,
      request.rows,
      request.jsonColumns,
      signal,
      request.tap,
    );
  } catch {
    await sql`rollback to savepoint ${savepoint}`.execute(db);
    signal.throwIfAborted();
    return null;
  }
  await sql`release savepoint ${savepoint}`.execute(db);
  return stored;
}

async function keyExists(db: AnyKysely, spec: UpsertSpec, target: BulkTarget, row: Row): Promise<boolean> {
  const sameKey = keyEquals(
    spec.conflict,
    (c) => sql.ref(c),
    (c) => sql`${row[c]}`,
  );
  const { rows } = await sql<{
    found: boolean;
  }>`select exists (select 1 from ${sql.raw(target.table)} where ${sameKey}) as found`.execute(db);
  return rows[0]?.found === true;
}

/** The existing row with the same key and the same values (nothing for the upsert to do). */
function unchangedMatch(spec: UpsertSpec, target: BulkTarget): RawBuilder<unknown> {
  const sameKey = keyEquals(
    spec.conflict,
    (c) => sql.ref(`t.${c}`),
    (c) => sql.ref(`s.${c}`),
  );
  const update = updatedColumns(spec);
  const sameValues =
    update.length > 0 ? sql` and not ${distinctColumns('t', 's', update, spec.jsonColumns)}` : sql``;
  return sql`select 1 from ${sql.raw(target.table)} as t where ${sameKey}${sameValues}`;
}

/** `left(k1) = right(k1) and …` over the conflict columns. */
function keyEquals(
  conflict: readonly string[],
  left: (column: string) => RawBuilder<unknown>,
  right: (column: string) => RawBuilder<unknown>,
): RawBuilder<unknown> {
  return sql.join(
    conflict.map((c) => sql`${left(c)} = ${right(c)}`),
    sql` and `,
  );
}

/** Streams the rows through the writer; resolves with the number the server stored. */
async function copyRows(
  writer: CopyWriter,
  columns: readonly string[],
  rows: readonly Row[],
  jsonColumns: ReadonlyMap<string, string>,
  signal: AbortSignal,
  tap?: Tap,
): Promise<number> {
  try {
    for (const values of valueBatches(rows, columns, jsonColumns, signal)) {
      tap?.(values);
      await writer.write(values);
    }
    return await writer.end();
  } catch (error) {
    // The session queues every other statement behind an open COPY: end it before anything else.
    await writer.abort();
    throw error;
  }
}

/** The rows' COPY values, ROWS_PER_WRITE at a time; stops (throws) between batches once `signal` aborts. */
function* valueBatches(
  rows: readonly Row[],
  columns: readonly string[],
  jsonColumns: ReadonlyMap<string, string>,
  signal: AbortSignal,
): Generator<(string | null)[][]> {
  for (let start = 0; start < rows.length; start += ROWS_PER_WRITE) {
    signal.throwIfAborted();
    yield rows.slice(start, start + ROWS_PER_WRITE).map((row) => copyValues(row, columns, jsonColumns));
  }
}

/**
 * Whether this session may create temporary tables (a locked-down role may not): checked, not
 * tried, since a failed CREATE would abort the run's transaction.
 */
export async function canCreateTempTables(db: AnyKysely): Promise<boolean> {
  const { rows } = await sql<{
    allowed: boolean;
  }>`select pg_catalog.has_database_privilege(pg_catalog.current_database(), 'TEMPORARY') as allowed`.execute(
    db,
  );
  return rows[0]?.allowed === true;
}
