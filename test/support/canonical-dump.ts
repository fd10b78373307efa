import { createHash } from 'node:crypto';

/** Runs one statement and returns its rows (pg pool, PGlite, …). */
export type DumpQuery = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** The tool's own tables: never backed up, never restored, so never compared. */
const TOOL_TABLES = new Set([
  'seeder_executions',
  'foodfleet_seed_migrations',
  'foodfleet_seed_migrations_lock',
  'foodfleet_seed_tracking_migrations',
  'foodfleet_seed_tracking_migrations_lock',
  'foodfleet_seed_login_throttle',
  'foodfleet_seed_backup_schedule_ticks',
  'foodfleet_seed_database_identity',
  'foodfleet_seed_upsert_memos',
  'foodfleet_seed_default_password_hashes',
]);

/** One table's rows, compared by count and digest; `rows` keeps the text when asked for. */
interface TableDump {
  rows: number;
  sha256: string;
  text?: string[];
}

/**
 * Everything a restore must reproduce, read through the driver (no pg_dump): every table's
 * rows as PostgreSQL's own text form of the row, in byte order, every sequence's state, and the
 * schema objects a restore temporarily changes (foreign keys, trigger states).
 */
export interface CanonicalDump {
  tables: Record<string, TableDump>;
  sequences: Record<string, { last_value: string; is_called: boolean }>;
  foreignKeys: string[];
  triggers: string[];
}

export async function canonicalDump(
  query: DumpQuery,
  schema = 'public',
  options: { keepText?: boolean } = {},
): Promise<CanonicalDump> {
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const tables: Record<string, TableDump> = {};
  const names = await query(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind = 'r' order by c.relname collate "C"`,
    [schema],
  );
  for (const { name } of names as { name: string }[]) {
    if (TOOL_TABLES.has(name)) continue;
    // Leaf tables only (partitions included): a partitioned parent holds no rows of its own.
    const rows = await query(
      `select t::text as r from only ${quote(schema)}.${quote(name)} t order by t::text collate "C"`,
    );
    const text = rows.map((row) => String(row.r));
    tables[name] = {
      rows: text.length,
      sha256: createHash('sha256').update(text.join('\n')).digest('hex'),
      ...(options.keepText ? { text } : {}),
    };
  }
  const sequences: CanonicalDump['sequences'] = {};
  // With the table owning each sequence (serial / identity), to leave out the tool's own.
  const sequenceNames = await query(
    `select c.relname as name, t.relname as owner
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       left join pg_depend d on d.classid = 'pg_class'::regclass and d.objid = c.oid and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
       left join pg_class t on t.oid = d.refobjid
      where n.nspname = $1 and c.relkind = 'S' order by c.relname collate "C"`,
    [schema],
  );
  for (const { name, owner } of sequenceNames as { name: string; owner: string | null }[]) {
    if (owner !== null && TOOL_TABLES.has(owner)) continue;
    const [state] = await query(
      `select last_value::text as last_value, is_called from ${quote(schema)}.${quote(name)}`,
    );
    sequences[name] = { last_value: String(state?.last_value), is_called: Boolean(state?.is_called) };
  }
  const foreignKeys = await query(
    `select fk from (select c.relname || '.' || con.conname || ': ' || pg_get_constraintdef(con.oid) as fk
       from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and con.contype = 'f') s order by fk collate "C"`,
    [schema],
  );
  const triggers = await query(
    `select tg from (select c.relname || '.' || t.tgname || ': ' || t.tgenabled::text as tg
       from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and not t.tgisinternal) s order by tg collate "C"`,
    [schema],
  );
  return {
    tables,
    sequences,
    foreignKeys: foreignKeys.map((r) => String(r.fk)),
    triggers: triggers.map((r) => String(r.tg)),
  };
}
