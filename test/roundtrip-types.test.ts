import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, freshDatabase, runCli, tempDir, type FreshDatabase } from './support/index.js';
import { canonicalDump } from './support/canonical-dump.js';

/**
 * Every value PostgreSQL users actually store survives backup → restore exactly: compared as
 * PostgreSQL's own text form of each row (not through JavaScript), plus a few values read back
 * one by one where the text form alone would hide a difference (json vs jsonb, JSON null vs SQL
 * NULL). Also: identity/serial sequences, generated columns, a self-reference, an FK cycle, a
 * trigger that must not fire, and a table whose name would be an injection if spliced.
 */

const HOSTILE_TABLE = 'users"; DROP TABLE roles; --';

const SCHEMA = `
  create type mood as enum ('sad', 'ok', 'happy', 'it''s "complicated"');
  create domain positive_int as integer check (value > 0);
  create table roles (id serial primary key, name text not null);
  create table every_type (
    id int generated always as identity primary key,
    i8 int8, n numeric, f4 float4, f8 float8,
    ts timestamp, tstz timestamptz, d date, t time, ttz timetz, iv interval,
    b bytea, j json, jb jsonb,
    arr int[], md int[], na numeric[], ea mood[], ta text[],
    e mood, dm positive_int, u uuid, ip inet, c cidr, vb varbit, p point, tv tsvector, m money,
    tx text, vc varchar(20), ch char(3), bo boolean,
    gen text generated always as (coalesce(tx, '') || '!') stored
  );
  create table people (id bigserial primary key, name text not null, mentor_id bigint references people(id), team_id int);
  create table teams (id serial primary key, lead_id bigint not null references people(id));
  alter table people add constraint people_team_fk foreign key (team_id) references teams(id);
  create table audit (id serial primary key, note text);
  create function audit_insert() returns trigger language plpgsql as $$
    begin insert into audit (note) values ('fired on ' || tg_table_name); new.name := new.name || ' (touched)'; return new; end $$;
  create trigger people_audit before insert on people for each row execute function audit_insert();
  create table ${quote(HOSTILE_TABLE)} (${quote('weird "col"')} text, ${quote('Mixed Case')} int);
`;

const ROWS = `
  insert into every_type (i8, n, f4, f8, ts, tstz, d, t, ttz, iv, b, j, jb, arr, md, na, ea, ta, e, dm, u, ip, c, vb, p, tv, m, tx, vc, ch, bo) values
  (9223372036854775807, 123456789012345678901234567890.123456789012345678901234567890, '-0', '-0',
   '2024-02-29 23:59:59.999999', '2024-02-29 23:59:59.999999+05:30', '2024-02-29', '23:59:59.999999', '12:00:00.5+05:30',
   '1 year 2 mons 3 days 04:05:06.789012',
   (select decode(string_agg(lpad(to_hex(i), 2, '0'), ''), 'hex') from generate_series(0, 255) i),
   '{"a": 1, "a": 2.50, "b": [1.0, 2e3]}', '{"a": 1, "a": 2.50}',
   '{1,NULL,3}', '{{1,2},{3,4}}', '{1.10,NaN,NULL,123456789012345678901234567890}', '{happy,NULL,"it''s \\"complicated\\""}',
   '{"a,b","c\\"d","e\\\\f",NULL,"NULL",""}',
   'it''s "complicated"', 42, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '192.168.0.1/24', '10.0.0.0/8', '10101', '(1.5,-2)',
   'a fat cat sat on a mat', '$1,234.56',
   E'émoji 😀 – 日本語 ✓ \\t tab\\ttab\\nnew line\\r\\n\\\\ backslash "quotes" \\\\. \\\\N', 'vc', 'ab', true),
  (-9223372036854775808, 'NaN', 'NaN', 'NaN', 'infinity', '-infinity', '-infinity', '00:00:00', '00:00:00-12', '-1 days +02:00',
   '\\x', 'null', 'null', '{}', '{{{1}}}', '{}', '{}', '{}', 'sad', 1, '00000000-0000-0000-0000-000000000000', '::1', '::/0', '', '(0,0)', '', '-$0.01',
   '', '', '   ', false),
  (0, '-0.000000000000000000001', 'Infinity', '1.7976931348623157e308', '4713-01-01 00:00:00 BC', '294276-12-31 23:59:59.999999+00', 'infinity', '24:00:00', '24:00:00+15:59', '178000000 years',
   null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
   null, null, null, null),
  (1, '0', '-Infinity', '5e-324', null, null, null, null, null, null, null, '[]', '{}', null, null, null, null, null, null, null, null, null, null, null, null, null, null,
   E'line one\\n\\\\.\\nline three', null, null, null),
  (2, '1e-1000', '3.4028235e38', '-Infinity', null, null, null, null, null, null, null, '"a string"', '""', null, null, null, null, null, null, null, null, null, null, null, null, null, null,
   '\\N', null, null, null),
  (3, '0', '1.4e-45', '2.2250738585072014e-308', null, null, null, null, null, null, null, '  {"spaced" :  true }  ', '{"nested": {"a": [1, {"b": null}]}}', null, null, null, null, null, null, null, null, null, null, null, null, null, null,
   'NULL', null, null, null);
  insert into people (name) values ('ada');
  insert into teams (lead_id) select id from people;
  update people set team_id = (select min(id) from teams), mentor_id = id;
  insert into people (name, mentor_id, team_id) select 'grace', id, team_id from people;
  insert into ${quote(HOSTILE_TABLE)} values ('"; DROP TABLE roles; --', 1), (null, null);
  insert into roles (name) values ('first'), ('second');
  delete from roles where name = 'second';
  select setval(pg_get_serial_sequence('roles', 'id'), 41, false);
`;

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

describe('round trip of every type (PostgreSQL + S3)', () => {
  let db: FreshDatabase;
  let env: Record<string, string>;
  const dump = () => canonicalDump((sql, params) => db.query(sql, params), 'public', { keepText: true });
  const cli = (args: string[]) => runCli(args, { env });

  beforeAll(async () => {
    db = await freshDatabase('roundtrip-types');
    env = { DATABASE_URL: db.url, ...(await createBucket('roundtrip-types')).env };
    await db.query(SCHEMA);
    await db.query(ROWS);
  });

  afterAll(async () => {
    await db?.close();
  });

  it('restores every row, sequence, key and trigger state exactly', async () => {
    const before = await dump();
    expect(before.tables.every_type?.rows).toBe(6);
    const backup = await cli(['backup', '--json']);
    expect(backup.code, backup.stderr).toBe(0);

    // Wipe and mutate everything the backup holds.
    await db.query(
      `delete from every_type; delete from ${quote(HOSTILE_TABLE)}; update people set mentor_id = null, team_id = null; delete from teams; delete from people; delete from audit`,
    );
    await db.query(`insert into every_type (tx) values ('not in the backup')`);
    await db.query(`select setval(pg_get_serial_sequence('roles', 'id'), 999)`);

    const restore = await cli(['restore', '--yes', '--json']);
    expect(restore.code, restore.stderr).toBe(0);
    const after = await dump();
    expect(after).toEqual(before);
    // The trigger did not fire during the load: only the two audit rows of the backup, names rewritten once.
    expect(await db.query(`select count(*)::int as n from audit`)).toEqual([{ n: 2 }]);
    expect(await db.query(`select name from people order by id`)).toEqual([
      { name: 'ada (touched)' },
      { name: 'grace (touched)' },
    ]);
  });

  it('keeps json text exactly, jsonb normalized, and JSON null apart from SQL NULL', async () => {
    const rows = await db.query<{ j: string | null; jb: string | null; j_is_null: boolean }>(
      `select j::text as j, jb::text as jb, j is null as j_is_null from every_type order by id`,
    );
    expect(rows[0]).toEqual({
      j: '{"a": 1, "a": 2.50, "b": [1.0, 2e3]}',
      jb: '{"a": 2.50}',
      j_is_null: false,
    });
    expect(rows[1]).toEqual({ j: 'null', jb: 'null', j_is_null: false });
    expect(rows[2]).toEqual({ j: null, jb: null, j_is_null: true });
    expect(rows[5]?.j).toBe('  {"spaced" :  true }  ');
  });

  it('keeps the numbers JavaScript would lose, the bytes and the text', async () => {
    const [first, second] = await db.query<Record<string, string>>(
      `select i8::text, n::text, f4::text, f8::text, tstz::text, encode(b, 'hex') as b, tx from every_type order by id limit 2`,
    );
    expect(first?.i8).toBe('9223372036854775807');
    expect(second?.i8).toBe('-9223372036854775808');
    expect(first?.n).toBe('123456789012345678901234567890.123456789012345678901234567890');
    expect(second?.n).toBe('NaN');
    expect(first?.f4).toBe('-0');
    expect(first?.b).toBe(Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')).join(''));
    expect(first?.tx).toBe('émoji 😀 – 日本語 ✓ \t tab\ttab\nnew line\r\n\\ backslash "quotes" \\. \\N');
    const nulls = await db.query<{ tx: string | null }>(
      `select tx from every_type where id >= 4 order by id`,
    );
    expect(nulls.map((r) => r.tx)).toEqual(['line one\n\\.\nline three', '\\N', 'NULL']);
  });

  it('restores identity and serial sequences: inserts without an id continue where they were', async () => {
    const [row] = await db.query<{ id: number }>(`insert into every_type (tx) values ('new') returning id`);
    expect(row?.id).toBe(7);
    const [role] = await db.query<{ id: number }>(`insert into roles (name) values ('third') returning id`);
    expect(role?.id).toBe(41);
  });
});

describe('round trip of every type (embedded database + local folder)', () => {
  let cwd: string;
  /** Opens the embedded data directory while the CLI is not running it. */
  const withPglite = async <T>(fn: (pglite: PGlite) => Promise<T>): Promise<T> => {
    const dir = path.join(cwd, '.foodfleet-seed', 'db');
    await mkdir(dir, { recursive: true });
    const pglite = await PGlite.create(dir);
    try {
      return await fn(pglite);
    } finally {
      await pglite.close();
    }
  };
  const dump = () =>
    withPglite((pglite) =>
      canonicalDump(
        async (sql, params) => (await pglite.query<Record<string, unknown>>(sql, params)).rows,
        'public',
        { keepText: true },
      ),
    );

  beforeAll(async () => {
    cwd = tempDir('foodfleet-types-embedded-');
    await withPglite(async (pglite) => {
      await pglite.exec(SCHEMA);
      await pglite.exec(ROWS);
    });
  });

  it('restores every row, sequence, key and trigger state exactly', async () => {
    const before = await dump();
    expect(before.tables.every_type?.rows).toBe(6);
    const backup = await runCli(['backup', '--json'], { cwd });
    expect(backup.code, backup.stderr).toBe(0);
    await withPglite((pglite) =>
      pglite.exec(`delete from every_type; delete from ${quote(HOSTILE_TABLE)}; update people set mentor_id = null, team_id = null; delete from teams; delete from people; delete from audit;
                   insert into every_type (tx) values ('not in the backup'); select setval(pg_get_serial_sequence('roles', 'id'), 999);`),
    );
    const restore = await runCli(['restore', '--yes', '--json'], { cwd });
    expect(restore.code, restore.stderr).toBe(0);
    expect(await dump()).toEqual(before);
  });
});
