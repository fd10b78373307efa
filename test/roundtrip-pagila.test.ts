import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, freshDatabase, runCli, tempDir, type FreshDatabase } from './support/index.js';
import { canonicalDump, type CanonicalDump, type DumpQuery } from './support/canonical-dump.js';
import { loadPagilaEmbedded, loadPagilaPostgres } from './support/pagila.js';

/**
 * Pagila (a real public database: FKs including a store ↔ staff cycle, a partitioned payment
 * table, an enum, domains, text[], tsvector kept by a trigger, bytea) survives backup → wipe or
 * mutate → restore exactly, on PostgreSQL + S3 and on the embedded database + local folder.
 * Compared through the driver: every table's rows as text, sequences, FKs, trigger states.
 */

interface RestoreDocument {
  key: string;
  tables: Record<string, number>;
}

/** Changes of every kind: updated rows (an UPDATE trigger fires), deleted rows, new rows, a moved sequence. */
const MUTATE = `
  update film set title = title || ' (edited)', rental_rate = rental_rate + 1 where film_id <= 50;
  delete from payment where payment_id % 3 = 0;
  delete from film_actor where actor_id = 1;
  insert into actor (first_name, last_name) values ('NOT', 'IN THE BACKUP');
  update staff set picture = '\\xdeadbeef';
  select setval('public.actor_actor_id_seq', 5000);
`;

/** Every table of the backup emptied (partitions included). */
const WIPE = `
  do $$ begin
    execute (select 'truncate table ' || string_agg(format('%I.%I', n.nspname, c.relname), ', ') || ' cascade'
               from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
                and c.relname not like 'seeder\\_%' and c.relname not like 'foodfleet\\_seed\\_%');
  end $$;
`;

describe('pagila round trip on PostgreSQL + S3 (s3rver)', () => {
  let db: FreshDatabase;
  let env: Record<string, string>;
  let original: CanonicalDump;
  let backupKey: string;
  const dump = () => canonicalDump((sql, params) => db.query(sql, params));

  beforeAll(async () => {
    db = await freshDatabase('roundtrip-pagila');
    env = { DATABASE_URL: db.url, ...(await createBucket('roundtrip-pagila')).env };
    await loadPagilaPostgres(db.url);
    original = await dump();
    const backup = await runCli(['backup', '--json'], { env, timeoutMs: 120_000 });
    expect(backup.code, backup.stderr).toBe(0);
    backupKey = backup.json<{ key: string }>().key;
  }, 240_000);

  afterAll(async () => {
    await db?.close();
  });

  it('loads the real dataset (sanity check of the fixture)', () => {
    expect(original.tables.payment_p2022_02?.rows).toBeGreaterThan(0);
    expect(original.tables.rental?.rows).toBe(16044);
    expect(original.foreignKeys.some((fk) => fk.startsWith('staff.staff_store_id_fkey'))).toBe(true);
    expect(original.triggers).toContain('film.film_fulltext_trigger: O');
  });

  it('restores a mutated database exactly', async () => {
    await db.query(MUTATE);
    expect(await dump()).not.toEqual(original);
    const result = await runCli(['restore', '--yes', '--json'], { env, timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    const restored = result.json<RestoreDocument>();
    expect(restored.key).toBe(backupKey);
    expect(restored.tables.payment).toBe(16049);
    expect(await dump()).toEqual(original);
  }, 180_000);

  it('restores a wiped database exactly', async () => {
    await db.query(WIPE);
    expect((await dump()).tables.rental?.rows).toBe(0);
    const result = await runCli(['restore', '--yes', '--no-backup', '--json'], { env, timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(await dump()).toEqual(original);
  }, 180_000);
});

describe('pagila round trip on the embedded database + local folder', () => {
  let cwd: string;
  let original: CanonicalDump;
  const dataDir = () => path.join(cwd, '.foodfleet-seed', 'db');
  /** Opens the embedded data directory while the CLI is not running it. */
  const withPglite = async <T>(fn: (pglite: PGlite, query: DumpQuery) => Promise<T>): Promise<T> => {
    await mkdir(dataDir(), { recursive: true });
    const pglite = await PGlite.create(dataDir());
    try {
      return await fn(
        pglite,
        async (sql, params) => (await pglite.query<Record<string, unknown>>(sql, params)).rows,
      );
    } finally {
      await pglite.close();
    }
  };

  beforeAll(async () => {
    cwd = tempDir('foodfleet-pagila-embedded-');
    original = await withPglite(async (pglite, query) => {
      await loadPagilaEmbedded(pglite);
      return canonicalDump(query);
    });
    const backup = await runCli(['backup', '--json'], { cwd, timeoutMs: 120_000 });
    expect(backup.code, backup.stderr).toBe(0);
  }, 240_000);

  it('restores a mutated and then a wiped database exactly', async () => {
    expect(original.tables.payment_p2022_03?.rows).toBeGreaterThan(0);
    const mutated = await withPglite(async (pglite, query) => {
      await pglite.exec(MUTATE);
      return canonicalDump(query);
    });
    expect(mutated).not.toEqual(original);
    const restore = await runCli(['restore', '--yes', '--json'], { cwd, timeoutMs: 120_000 });
    expect(restore.code, restore.stderr).toBe(0);
    expect(await withPglite((_, query) => canonicalDump(query))).toEqual(original);

    await withPglite((pglite) => pglite.exec(WIPE));
    const again = await runCli(['restore', '--yes', '--no-backup', '--json'], { cwd, timeoutMs: 120_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(await withPglite((_, query) => canonicalDump(query))).toEqual(original);
  }, 300_000);
});
