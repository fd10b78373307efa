import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from 'foodfleet-seed';
import {
  ALL_PERMISSIONS,
  PERMISSIONS,
  ROLE_PERMISSIONS,
  ROLES,
  SMS_TEMPLATES,
  Seeder,
  DEFAULT_SUPERADMIN_PASSWORD,
} from 'foodfleet-seed';
import { freshDatabase, runCli, type FreshDatabase } from './support/index.js';
import type { RunDocument } from './support/documents.js';
import {
  EXPECTED_PERMISSIONS,
  EXPECTED_ROLE_PERMISSIONS,
  EXPECTED_SMS_TEMPLATES,
} from './support/expected-data.js';
import { pgEnv } from './support/seeded-rows.js';
import { seedersDir } from './support/seeders-dir.js';

/**
 * The package's main export, imported by its own name (the built dist, as an app would):
 * the seeder base class, the permission catalog and the role matrix; and upsertMany's batching
 * through a custom seeder run by the CLI.
 */
describe('the exported constants', () => {
  it('PERMISSIONS holds the 23 resource:action permissions with descriptions', () => {
    expect(PERMISSIONS).toHaveLength(23);
    expect(PERMISSIONS.map((p) => p.name).sort()).toEqual(EXPECTED_PERMISSIONS);
    for (const permission of PERMISSIONS) {
      expect(permission.name).toMatch(/^[a-z]+:[a-z]+$/);
      expect(permission.description.length).toBeGreaterThan(3);
    }
    expect([...ALL_PERMISSIONS].sort()).toEqual(EXPECTED_PERMISSIONS);
  });

  it('ROLE_PERMISSIONS is the role → permission matrix of the guide', () => {
    expect(Object.keys(ROLE_PERMISSIONS).sort()).toEqual(Object.keys(EXPECTED_ROLE_PERMISSIONS).sort());
    for (const [role, permissions] of Object.entries(EXPECTED_ROLE_PERMISSIONS)) {
      expect([...ROLE_PERMISSIONS[role as keyof typeof ROLE_PERMISSIONS]].sort(), role).toEqual(permissions);
    }
    // Usable by a route guard as is.
    expect(ROLE_PERMISSIONS.admin.includes('users:read')).toBe(true);
    expect(ROLE_PERMISSIONS.admin.includes('users:delete')).toBe(false);
    expect(
      ROLES.filter((role) => role.isSystem)
        .map((role) => role.name)
        .sort(),
    ).toEqual(['admin', 'superadmin']);
  });

  it('exports the SMS templates and the documented default password', () => {
    expect(SMS_TEMPLATES.map((t) => t.name).sort()).toEqual(EXPECTED_SMS_TEMPLATES);
    expect(DEFAULT_SUPERADMIN_PASSWORD).toBe('SuperAdmin@123');
  });

  it('exports the Seeder base class and the built-in seeders', () => {
    expect(typeof Seeder).toBe('function');
    class Probe extends Seeder {
      readonly name = 'Probe';
      async run(): Promise<void> {
        await this.db.selectFrom('users').selectAll().execute();
      }
    }
    const probe = new Probe();
    expect(probe).toBeInstanceOf(Seeder);
    expect(probe.dependsOn).toEqual([]);
    expect(probe.tables).toEqual([]);
    // The database handle exists only inside a run.
    return expect(probe.run()).rejects.toThrow(/only available inside run/);
  });

  it('the built-in seeders declare their names, tables and dependencies', () => {
    const seeders = [
      new api.PermissionsSeeder(),
      new api.RolesSeeder(),
      new api.SuperAdminSeeder(),
      new api.SMSTemplatesSeeder(),
    ];
    for (const seeder of seeders) expect(seeder).toBeInstanceOf(Seeder);
    expect(seeders.map((s) => [s.name, [...s.dependsOn], [...s.tables]])).toEqual([
      ['PermissionsSeeder', [], ['permissions']],
      ['RolesSeeder', ['PermissionsSeeder'], ['roles', 'role_permissions']],
      ['SuperAdminSeeder', ['RolesSeeder'], ['users', 'user_roles']],
      ['SMSTemplatesSeeder', [], ['sms_templates']],
    ]);
  });
});

describe('upsertMany through a custom seeder', () => {
  let db: FreshDatabase;
  const rows = 30_000;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    db = await freshDatabase('seeder-api');
    await db.query(
      'create table bulk_items (code text primary key, name text not null, price_cents integer not null, category text not null)',
    );
    env = pgEnv(db, 'public', { SEED_SEEDERS_DIR: seedersDir('bulk-seeder.ts'), BULK_ROWS: String(rows) });
  });

  afterAll(async () => {
    await db?.close();
  });

  async function bulkRun(): Promise<RunDocument> {
    // --no-backup: this is about upsertMany; backups have their own tests.
    const result = await runCli(['run', '--json', '--no-backup', '--only', 'BulkSeeder'], {
      env,
      timeoutMs: 120_000,
    });
    expect(result.code, result.stderr).toBe(0);
    return result.json<RunDocument>();
  }

  it('creates 30,000 rows of 4 columns (120,000 values: more than one statement may bind)', async () => {
    const run = await bulkRun();
    expect(run.results.seeders).toEqual({
      BulkSeeder: expect.objectContaining({ status: 'completed', created: rows, updated: 0, deleted: 0 }),
    });
    const [count] = await db.query<{ n: string }>('select count(*) as n from bulk_items');
    expect(Number(count?.n)).toBe(rows);
    const [sample] = await db.query('select * from bulk_items where code = $1', ['item-029999']);
    expect(sample).toEqual({
      code: 'item-029999',
      name: 'Item 29999',
      price_cents: 100 + (29999 % 900),
      category: `category-${29999 % 17}`,
    });
  }, 120_000);

  it('re-running updates nothing; 10 rows changed by hand count 10 updated and are restored', async () => {
    const again = await bulkRun();
    expect(again.results.seeders.BulkSeeder).toMatchObject({ created: 0, updated: 0, deleted: 0 });

    await db.query(
      `update bulk_items set name = name || ' (edited)' where code in (select code from bulk_items order by code offset 20000 limit 10)`,
    );
    const repaired = await bulkRun();
    expect(repaired.results.seeders.BulkSeeder).toMatchObject({ created: 0, updated: 10, deleted: 0 });
    const [edited] = await db.query<{ n: string }>(
      `select count(*) as n from bulk_items where name like '%(edited)'`,
    );
    expect(Number(edited?.n)).toBe(0);
  }, 120_000);
});

describe('upsertMany keeps every value exact', () => {
  let db: FreshDatabase;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    db = await freshDatabase('seeder-api-typed');
    await db.query(
      `create table typed_items (k integer primary key, exact json, doc jsonb, blob bytea, tags text[], at timestamptz,
        amount numeric, ratio float8, note text not null default 'from default')`,
    );
    env = pgEnv(db, 'public', { SEED_SEEDERS_DIR: seedersDir('typed-bulk-seeder.ts') });
  });

  afterAll(async () => {
    await db?.close();
  });

  it('stores json text, jsonb, bytea, arrays, timestamps, numeric, NaN and defaults exactly; a re-run changes nothing', async () => {
    const first = await runCli(['run', '--json', '--no-backup', '--only', 'TypedBulkSeeder'], {
      env,
      timeoutMs: 120_000,
    });
    expect(first.code, first.stderr).toBe(0);
    expect(first.json<RunDocument>().results.seeders.TypedBulkSeeder).toMatchObject({
      created: 12_001,
      updated: 0,
    });
    const rows = await db.query<Record<string, string | null>>(
      `select exact::text, doc::text, encode(blob, 'hex') as blob, tags::text, to_char(at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') as at,
              amount::text, ratio::text, note from typed_items where k in (2, 3, 999999) order by k`,
    );
    expect(rows[0]).toEqual({
      exact: '{"x": 2.50, "x": 1}',
      doc: '{"n": 2, "tags": ["a", "b"]}',
      blob: '005cff02',
      tags: '{plain,NULL,"quote\\"d","back\\\\slash"}',
      at: '2024-01-01 00:00:00.002',
      amount: '12345678901234567890.123',
      ratio: null,
      note: 'from default',
    });
    expect(rows[1]?.doc).toBe('{"n": 3, "big": 12345678901234567000}');
    expect(rows[2]).toMatchObject({ exact: null, ratio: 'NaN', note: 'from default' });
    const again = await runCli(['run', '--json', '--no-backup', '--only', 'TypedBulkSeeder'], {
      env,
      timeoutMs: 120_000,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json<RunDocument>().results.seeders.TypedBulkSeeder).toMatchObject({
      created: 0,
      updated: 0,
    });
  });
});
