import { createHash, type Hash } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { copyTextLine } from '../db/copy-text.js';
import { quoteIdent } from '../db/quote.js';
import type { UpsertSpec } from './sql-helpers.js';
import { MEMO_TABLE } from '../migrations/upsert-memos.js';

/*
 * A bulk upsert's memo: a digest of what it was given, and a digest of the table's row versions
 * right after it wrote. When a later run gives the same input and every row version is still
 * the one left then, the upsert has nothing to do — known without parsing and comparing every
 * value again (the no-change re-run of a deploy). A row cannot change without getting a new
 * (ctid, xmin); VACUUM FULL, TRUNCATE, a restore or a hand edit only make the digest differ,
 * and the upsert then checks every row as usual. Kept in the seeding transaction, so a dry or
 * failed run leaves none behind.
 */

/** Which upsert a memo belongs to: the seeder and its n-th bulk call on a table in a run. */
export interface MemoKey {
  seeder: string;
  call: string;
  /** The schema the run works in, where the memo table lives. */
  schema: string;
}

export interface Memo {
  inputDigest: string;
  rowVersions: string;
}

/**
 * Whether a memo can speak for this table, and if so what besides the rows decides the outcome:
 * the session settings that decide how the server parses the rows' text (the same text read
 * under another TimeZone or DateStyle is another value), and the input columns' types,
 * collations and enum labels (a type change without a rewrite keeps every row version). A memo
 * is kept only for a plain table (no children, no row security) without user triggers or rules —
 * a BEFORE trigger may rewrite values on every write, which a memo would hide — that this role
 * may still insert into and update (else the statement it skips would fail), and that is not much
 * larger than the call, since digesting the row versions reads the whole table. Null when it cannot.
 */
export async function memoContext(
  db: Kysely<any>,
  schema: string,
  table: string,
  columns: readonly string[],
  rows: number,
): Promise<string | null> {
  const memoTable = `${quoteIdent(schema)}.${MEMO_TABLE}`;
  const { rows: found } = await sql<{ applies: boolean; context: string }>`
    select pg_catalog.current_setting('server_version_num')::int >= 110000 -- hashtextextended()
           and c.relkind = 'r' and not c.relhassubclass and not c.relrowsecurity
           and not exists (select 1 from pg_catalog.pg_trigger t where t.tgrelid = c.oid and not t.tgisinternal)
           and not exists (select 1 from pg_catalog.pg_rewrite r where r.ev_class = c.oid)
           and pg_catalog.has_table_privilege(c.oid, 'INSERT') and pg_catalog.has_table_privilege(c.oid, 'UPDATE')
           and pg_catalog.to_regclass(${memoTable}) is not null
           and pg_catalog.has_table_privilege(${memoTable}, 'SELECT') and pg_catalog.has_table_privilege(${memoTable}, 'INSERT')
           and pg_catalog.has_table_privilege(${memoTable}, 'UPDATE')
           and case when c.reltuples >= 0 then c.reltuples <= 2 * ${rows}::float8 + 1000
                    else pg_catalog.pg_relation_size(c.oid) <= ${rows}::bigint * 1024 end as applies,
           pg_catalog.concat_ws(' | ', pg_catalog.current_setting('TimeZone'), pg_catalog.current_setting('DateStyle'),
             pg_catalog.current_setting('IntervalStyle'), pg_catalog.current_setting('lc_monetary'), pg_catalog.current_setting('xmloption'),
             pg_catalog.current_setting('search_path'),
             (select pg_catalog.string_agg(a.attnum || ' ' || a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod) || ' ' || a.attcollation::text
                       || coalesce(' ' || (select pg_catalog.string_agg(e.enumtypid || ':' || e.enumlabel, ',' order by e.enumtypid, e.enumsortorder)
                                             from pg_catalog.pg_enum e where e.enumtypid in (select u.oid from pg_catalog.pg_type u
                                               where u.oid in (a.atttypid, t.typbasetype, t.typelem, b.typelem, b.typbasetype))), ''),
                     '; ' order by a.attnum)
                from pg_catalog.pg_attribute a
                join pg_catalog.pg_type t on t.oid = a.atttypid
                left join pg_catalog.pg_type b on b.oid = coalesce(nullif(t.typbasetype, 0), nullif(t.typelem, 0))
               where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attname = any(${[...columns]}::text[]))) as context
      from pg_catalog.pg_class c
     where c.oid = ${table}::regclass`.execute(db);
  return found[0]?.applies ? found[0].context : null;
}

/** Count and 64-bit hash sum of every row's (ctid, xmin): changes whenever any row does. */
export async function rowVersions(db: Kysely<any>, table: string): Promise<string> {
  const { rows } = await sql<{
    versions: string;
  }>`select ${versionsDigest(sql`ctid`, sql`xmin`)} as versions from ${sql.raw(table)}`.execute(db);
  return rows[0]!.versions;
}

/**
 * The aggregate behind {@link rowVersions}, over any (ctid, xmin) pairs: one expression, so the
 * versions a memo keeps and the versions a later run reads are digested alike.
 */
export function versionsDigest(ctid: RawBuilder<unknown>, xmin: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`count(*)::text || '/' || coalesce(sum(pg_catalog.hashtextextended(${ctid}::text || '/' || ${xmin}::text, 0)), 0)::text`;
}

/** What a call's input digest starts from, besides its rows. */
export interface InputHeader {
  table: string;
  spec: UpsertSpec;
  columns: readonly string[];
  /** From {@link memoContext}. */
  context: string;
}

/**
 * A digest of the call as the server would receive it: target, columns, options and parsing
 * settings, then every row's COPY line. Fed chunk by chunk with the values the COPY sends.
 */
export interface InputDigest {
  add(values: readonly (readonly (string | null)[])[]): void;
  hex(): string;
  /**
   * False when the same rows may mean something else next time, so no memo may speak for them:
   * a date/time word the server reads as the current time ('now', 'today'…), or a NULL key
   * (NULLs never conflict: every run inserts such a row again).
   */
  deterministic(): boolean;
}

/** Inputs PostgreSQL's date/time types read relative to the current time. */
const TIME_WORDS = new Set(['now', 'today', 'tomorrow', 'yesterday']);

export function inputDigest(header: InputHeader): InputDigest {
  const hash: Hash = createHash('sha256');
  const { jsonColumns, ...options } = header.spec;
  hash.update(
    JSON.stringify({
      table: header.table,
      columns: header.columns,
      options,
      json: [...(jsonColumns ?? new Map())],
      context: header.context,
    }),
  );
  const keys = header.spec.conflict.map((c) => header.columns.indexOf(c));
  let deterministic = true;
  return {
    add(values) {
      let text = '';
      for (const row of values) {
        text += copyTextLine(row);
        if (!deterministic) continue;
        for (const key of keys) if (key < 0 || row[key] === null) deterministic = false;
        for (const value of row)
          if (value !== null && value.length <= 12 && TIME_WORDS.has(value.trim().toLowerCase()))
            deterministic = false;
      }
      hash.update(text);
    },
    hex: () => hash.digest('hex'),
    deterministic: () => deterministic,
  };
}

export async function loadMemo(db: Kysely<any>, key: MemoKey): Promise<Memo | null> {
  const row = await db
    .selectFrom(MEMO_TABLE)
    .select(['input_digest', 'row_versions'])
    .where('seeder', '=', key.seeder)
    .where('call', '=', key.call)
    .executeTakeFirst();
  return row ? { inputDigest: row.input_digest as string, rowVersions: row.row_versions as string } : null;
}

export async function saveMemo(db: Kysely<any>, key: MemoKey, memo: Memo): Promise<void> {
  await db
    .insertInto(MEMO_TABLE)
    .values({
      seeder: key.seeder,
      call: key.call,
      input_digest: memo.inputDigest,
      row_versions: memo.rowVersions,
    })
    .onConflict((oc) =>
      oc
        .columns(['seeder', 'call'])
        .doUpdateSet({
          input_digest: memo.inputDigest,
          row_versions: memo.rowVersions,
          updated_at: sql`now()`,
        }),
    )
    .execute();
}
