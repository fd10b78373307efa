import type { Queryable } from './live-schema.js';
import { quoteIdent, qualified } from '../../db/quote.js';
import { dropForeignKeys, restoreForeignKeys } from './foreign-keys.js';
import { withPartitions } from './relations.js';

/** A foreign key from a table outside the set, with rows that point into the set. */
export interface Reference {
  /** The referencing table, e.g. `orders`. */
  table: string;
  /** Its schema (the referencing table may live outside the reset's schema). */
  schema: string;
  constraint: string;
  /** The table of the set it points at. */
  target: string;
  rows: number;
}

/** A table of the set, as the catalog names it. */
export type TableRow = { oid: string; name: string; kind: string };

/** The tables by name in `schema`; throws naming those that do not exist. */
export async function findTables(
  db: Queryable,
  schema: string,
  names: readonly string[],
): Promise<TableRow[]> {
  const rows = await db.query<TableRow>(
    `select c.oid::text as oid, c.relname as name, c.relkind::text as kind
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p') and c.relname = any(string_to_array($2, chr(31)))`,
    [schema, names.join('\u001f')],
  );
  const found = new Set(rows.map((r) => r.name));
  const missing = names.filter((name) => !found.has(name));
  if (missing.length > 0) throw new MissingTablesError(schema, missing);
  return rows;
}

export class MissingTablesError extends Error {
  constructor(
    schema: string,
    readonly missing: readonly string[],
  ) {
    super(`seeders declare tables that do not exist in schema ${schema}: ${missing.join(', ')}`);
  }
}

/**
 * Rows in tables OUTSIDE the set that reference rows of the set through a foreign key: what
 * emptying the set would leave dangling. A row references only when all its key columns are
 * set (MATCH SIMPLE), so those are the rows counted.
 */
export async function findReferences(db: Queryable, tables: readonly TableRow[]): Promise<Reference[]> {
  const inSet = await withPartitions(
    db,
    tables.map((t) => t.oid),
  );
  const oids = inSet.map((r) => r.oid).join(',');
  const keys = await db.query<{
    schema_name: string;
    table_name: string;
    constraint_name: string;
    target: string;
    columns: string[] | string;
  }>(
    `select n.nspname as schema_name, c.relname as table_name, con.conname as constraint_name, t.relname as target,
            array(select a.attname::text from unnest(con.conkey) k(attnum)
                    join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum) as columns
       from pg_catalog.pg_constraint con
       join pg_catalog.pg_class c on c.oid = con.conrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       join pg_catalog.pg_class t on t.oid = con.confrelid
      where con.contype = 'f' and con.conparentid = 0
        and con.confrelid = any(string_to_array($1, ',')::oid[])
        and not con.conrelid = any(string_to_array($1, ',')::oid[])
      order by c.relname, con.conname`,
    [oids],
  );
  const references: Reference[] = [];
  for (const key of keys) {
    const columns = Array.isArray(key.columns) ? key.columns : parseTextArray(key.columns);
    const where = columns.map((c) => `${quoteIdent(c)} is not null`).join(' and ');
    const [count] = await db.query<{ n: string }>(
      `select count(*)::text as n from ${qualified(key.schema_name, key.table_name)} where ${where}`,
    );
    const rows = Number(count?.n ?? 0);
    if (rows > 0)
      references.push({
        table: key.table_name,
        schema: key.schema_name,
        constraint: key.constraint_name,
        target: key.target,
        rows,
      });
  }
  return references;
}

/**
 * Empties the set inside the caller's transaction. With `cascade`, PostgreSQL's TRUNCATE …
 * CASCADE also empties every table referencing the set. Without it (the caller made sure no
 * outside row references the set), the keys touching the set are taken off for the TRUNCATE —
 * which PostgreSQL refuses while any key points in from outside — and put back at once; they
 * still hold, because nothing referenced the emptied rows.
 */
export async function emptyTables(
  db: Queryable,
  schema: string,
  tables: readonly TableRow[],
  cascade: boolean,
): Promise<void> {
  if (tables.length === 0) return;
  const list = tables.map((t) => `${t.kind === 'r' ? 'only ' : ''}${qualified(schema, t.name)}`).join(', ');
  if (cascade) {
    await db.query(`truncate table ${list} cascade`);
    return;
  }
  const inSet = await withPartitions(
    db,
    tables.map((t) => t.oid),
  );
  const keys = await dropForeignKeys(
    db,
    inSet.map((r) => r.oid),
  );
  await db.query(`truncate table ${list}`);
  await restoreForeignKeys(db, keys);
}

/** `{a,b}` as pg's text form of a name[] when a driver does not parse arrays. */
function parseTextArray(text: string): string[] {
  const body = text.replace(/^\{|\}$/g, '');
  if (body === '') return [];
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^,]+)/g;
  for (let m = re.exec(body); m; m = re.exec(body))
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? ''));
  return out;
}
