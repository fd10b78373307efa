import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, runCli, type FreshDatabase } from './support/index.js';
import {
  ANSI_ESCAPE,
  seederCounts,
  type ExecutionDocument,
  type FailureDocument,
  type HistoryDocument,
  type RunDocument,
} from './support/documents.js';
import {
  DEFAULT_PASSWORD,
  EXPECTED_PERMISSIONS,
  EXPECTED_ROLE_PERMISSIONS,
  EXPECTED_SMS_TEMPLATES,
  FIRST_RUN_COUNTS,
  SECOND_RUN_COUNTS,
} from './support/expected-data.js';
import { pgEnv, rolePermissions, rowCounts, tablesIn } from './support/seeded-rows.js';

/**
 * `run` against real PostgreSQL: counts, the seeded data, system-role sync, --dry-run, --only,
 * JSON events and plain output. Scenarios that need an empty database use their own schema.
 */
let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase('cli-run');
});

afterAll(async () => {
  await db?.close();
});

function run(args: string[], schema = 'public', env: Record<string, string | undefined> = {}) {
  return runCli(args, { env: pgEnv(db, schema, env) });
}

async function runJson(
  args: string[],
  schema = 'public',
  env: Record<string, string | undefined> = {},
): Promise<RunDocument> {
  const result = await run(['run', '--json', ...args], schema, env);
  expect(result.code, result.stderr).toBe(0);
  return result.json<RunDocument>();
}

describe('run: first and second run (public schema)', () => {
  let first: RunDocument;
  let second: RunDocument;

  beforeAll(async () => {
    first = await runJson([]);
    second = await runJson([]);
  });

  it('creates 23 + 5 + 1 + 4 = 33 on an empty database, in dependency order', () => {
    expect(first.success).toBe(true);
    expect(Number.isInteger(first.execution_id)).toBe(true);
    expect(Object.keys(first.results.seeders)).toEqual([
      'PermissionsSeeder',
      'RolesSeeder',
      'SuperAdminSeeder',
      'SMSTemplatesSeeder',
    ]);
    expect(seederCounts(first)).toEqual(FIRST_RUN_COUNTS);
    for (const result of Object.values(first.results.seeders)) expect(result.status).toBe('completed');
    expect(first.results.total).toEqual({ created: 33, updated: 0, deleted: 0 });
    expect(first.dry_run).toBe(false);
  });

  it('changes nothing on a second run: 0 created, 0 updated, 0 deleted', () => {
    expect(second.success).toBe(true);
    expect(second.execution_id).toBeGreaterThan(first.execution_id);
    expect(seederCounts(second)).toEqual(SECOND_RUN_COUNTS);
    expect(second.results.total).toEqual({ created: 0, updated: 0, deleted: 0 });
  });

  it('seeds the 23 permissions with resource:action names and descriptions', async () => {
    const rows = await db.query<{
      name: string;
      resource: string;
      action: string;
      description: string | null;
    }>('select name, resource, action, description from permissions order by name');
    expect(rows.map((r) => r.name)).toEqual(EXPECTED_PERMISSIONS);
    for (const row of rows) {
      expect(row.name).toBe(`${row.resource}:${row.action}`);
      expect(row.description?.length ?? 0).toBeGreaterThan(3);
    }
  });

  it('seeds the five roles with exactly the permissions of the guide', async () => {
    const roles = await db.query<{ name: string; is_system: boolean }>(
      'select name, is_system from roles order by name',
    );
    expect(roles).toEqual([
      { name: 'admin', is_system: true },
      { name: 'customer', is_system: false },
      { name: 'restaurant_manager', is_system: false },
      { name: 'restaurant_owner', is_system: false },
      { name: 'superadmin', is_system: true },
    ]);
    for (const [role, permissions] of Object.entries(EXPECTED_ROLE_PERMISSIONS)) {
      expect(await rolePermissions(db, role), role).toEqual(permissions);
    }
    expect(await rolePermissions(db, 'superadmin')).toHaveLength(23);
  });

  it('creates the super-admin: active, verified, bcrypt hash of the documented default, role superadmin', async () => {
    const users = await db.query<Record<string, unknown>>('select * from users');
    expect(users).toHaveLength(1);
    const user = users[0]!;
    expect(user).toMatchObject({
      email: 'admin@foodfleet.com',
      username: 'superadmin',
      full_name: 'Super Administrator',
      is_active: true,
      is_verified: true,
      token_version: 0,
    });
    const hash = String(user.password_hash);
    expect(hash).toMatch(/^\$2[aby]\$\d{2}\$/);
    expect(await bcrypt.compare(DEFAULT_PASSWORD, hash)).toBe(true);
    const roles = await db.query<{ name: string }>(
      'select r.name from user_roles ur join roles r on r.id = ur.role_id where ur.user_id = $1',
      [user.id],
    );
    expect(roles).toEqual([{ name: 'superadmin' }]);
  });

  it('seeds the four SMS templates with {{placeholders}}', async () => {
    const rows = await db.query<{ name: string; body: string }>(
      'select name, body from sms_templates order by name',
    );
    expect(rows.map((r) => r.name)).toEqual(EXPECTED_SMS_TEMPLATES);
    for (const row of rows) expect(row.body).toMatch(/\{\{\w+\}\}/);
  });
});

describe('run: keeping roles in sync (own schema)', () => {
  const schema = 'sync';

  beforeAll(async () => {
    await runJson([], schema);
  });

  it('restores system roles exactly (1 updated per role) and keeps operator grants on other roles', async () => {
    const q = (sql: string) => db.query(sql.replaceAll('S.', `${schema}.`));
    // superadmin loses a permission; admin gains one it must not have and its description drifts.
    await q(`delete from S.role_permissions where role_id = (select id from S.roles where name = 'superadmin')
               and permission_id = (select id from S.permissions where name = 'users:delete')`);
    await q(`insert into S.role_permissions (role_id, permission_id)
             select r.id, p.id from S.roles r, S.permissions p where r.name = 'admin' and p.name = 'roles:delete'`);
    await q(`update S.roles set description = 'edited by hand' where name = 'admin'`);
    // An operator grants customer something extra (kept) and removes one of its declared permissions (re-added).
    await q(`insert into S.role_permissions (role_id, permission_id)
             select r.id, p.id from S.roles r, S.permissions p where r.name = 'customer' and p.name = 'files:read'`);
    await q(`delete from S.role_permissions where role_id = (select id from S.roles where name = 'restaurant_manager')
               and permission_id = (select id from S.permissions where name = 'menus:update')`);

    const repaired = await runJson([], schema);
    expect(seederCounts(repaired)).toEqual({
      PermissionsSeeder: [0, 0, 0],
      RolesSeeder: [0, 3, 0], // superadmin, admin (links + description: one entity), restaurant_manager
      SuperAdminSeeder: [0, 0, 0],
      SMSTemplatesSeeder: [0, 0, 0],
    });
    expect(await rolePermissions(db, 'superadmin', schema)).toEqual(EXPECTED_ROLE_PERMISSIONS.superadmin);
    expect(await rolePermissions(db, 'admin', schema)).toEqual(EXPECTED_ROLE_PERMISSIONS.admin);
    expect(await rolePermissions(db, 'restaurant_manager', schema)).toEqual(
      EXPECTED_ROLE_PERMISSIONS.restaurant_manager,
    );
    expect(await rolePermissions(db, 'customer', schema)).toEqual(
      [...EXPECTED_ROLE_PERMISSIONS.customer!, 'files:read'].sort(),
    );
    const [admin] = await db.query<{ description: string }>(
      `select description from ${schema}.roles where name = 'admin'`,
    );
    expect(admin?.description).not.toBe('edited by hand');

    const again = await runJson([], schema);
    expect(again.results.total).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await rolePermissions(db, 'customer', schema)).toContain('files:read');
  });

  it('gives superadmin (and the other roles declaring it) a permission the database did not have yet', async () => {
    // The database looks as if an older catalog without menus:delete had seeded it.
    await db.query(`delete from ${schema}.permissions where name = 'menus:delete'`);
    expect(await rolePermissions(db, 'superadmin', schema)).toHaveLength(22);

    const next = await runJson([], schema);
    expect(next.results.seeders.PermissionsSeeder).toMatchObject({ created: 1, updated: 0, deleted: 0 });
    // superadmin, admin and restaurant_owner declare menus:delete.
    expect(next.results.seeders.RolesSeeder).toMatchObject({ created: 0, updated: 3, deleted: 0 });
    expect(await rolePermissions(db, 'superadmin', schema)).toEqual(EXPECTED_PERMISSIONS);
    expect(await rolePermissions(db, 'restaurant_owner', schema)).toEqual(
      EXPECTED_ROLE_PERMISSIONS.restaurant_owner,
    );
  });

  it('restores a permission whose description drifted, counting it as updated', async () => {
    await db.query(`update ${schema}.permissions set description = 'hand-edited' where name = 'files:read'`);
    const next = await runJson([], schema);
    expect(next.results.seeders.PermissionsSeeder).toMatchObject({ created: 0, updated: 1, deleted: 0 });
    const [row] = await db.query<{ description: string }>(
      `select description from ${schema}.permissions where name = 'files:read'`,
    );
    expect(row?.description).not.toBe('hand-edited');
  });

  it('never overwrites an SMS template an operator edited, and recreates a deleted one', async () => {
    await db.query(`update ${schema}.sms_templates set body = 'Custom: {{code}}' where name = '2fa_code'`);
    await db.query(`delete from ${schema}.sms_templates where name = 'order_delivered'`);
    const next = await runJson([], schema);
    expect(next.results.seeders.SMSTemplatesSeeder).toMatchObject({ created: 1, updated: 0, deleted: 0 });
    const rows = await db.query<{ name: string; body: string }>(
      `select name, body from ${schema}.sms_templates order by name`,
    );
    expect(rows.map((r) => r.name)).toEqual(EXPECTED_SMS_TEMPLATES);
    expect(rows.find((r) => r.name === '2fa_code')?.body).toBe('Custom: {{code}}');
  });
});

describe('run --dry-run (own schema)', () => {
  const schema = 'dry';

  it('reports what a run would do and leaves no seeded rows', async () => {
    const dry = await runJson(['--dry-run'], schema);
    expect(dry.dry_run).toBe(true);
    expect(seederCounts(dry)).toEqual(FIRST_RUN_COUNTS);
    expect(dry.results.total).toEqual({ created: 33, updated: 0, deleted: 0 });
    expect(await rowCounts(db, schema)).toEqual({
      permissions: 0,
      roles: 0,
      role_permissions: 0,
      users: 0,
      user_roles: 0,
      sms_templates: 0,
    });

    const shown = await run(['show', String(dry.execution_id), '--json'], schema);
    expect(shown.code, shown.stderr).toBe(0);
    const execution = shown.json<ExecutionDocument>();
    expect(execution.status).toBe('completed');
    expect(execution.options).toMatchObject({ dry_run: true });

    const human = await run(['run', '--dry-run'], schema);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/dry run/i);
    expect(human.stdout).toMatch(/rolled back/i);
    expect((await rowCounts(db, schema)).permissions).toBe(0);
  });
});

describe('run --only (own schema)', () => {
  const schema = 'only';

  it('runs the named seeders plus what they depend on, nothing else', async () => {
    const roles = await runJson(['--only', 'RolesSeeder'], schema);
    expect(seederCounts(roles)).toEqual({ PermissionsSeeder: [23, 0, 0], RolesSeeder: [5, 0, 0] });
    expect(await rowCounts(db, schema)).toMatchObject({
      permissions: 23,
      roles: 5,
      users: 0,
      sms_templates: 0,
    });

    const two = await runJson(['--only', 'SMSTemplatesSeeder,SuperAdminSeeder'], schema);
    expect(Object.keys(two.results.seeders)).toEqual([
      'PermissionsSeeder',
      'RolesSeeder',
      'SuperAdminSeeder',
      'SMSTemplatesSeeder',
    ]);
    expect(seederCounts(two)).toEqual({
      PermissionsSeeder: [0, 0, 0],
      RolesSeeder: [0, 0, 0],
      SuperAdminSeeder: [1, 0, 0],
      SMSTemplatesSeeder: [4, 0, 0],
    });

    const sms = await runJson(['--only', 'SMSTemplatesSeeder'], schema);
    expect(Object.keys(sms.results.seeders)).toEqual(['SMSTemplatesSeeder']);
  });

  it('refuses an unknown seeder name with exit 2, naming it, and runs nothing', async () => {
    const before = (await run(['history', '--json'], schema)).json<HistoryDocument>().total;
    const result = await run(['run', '--only', 'RolesSeeder,NoSuchSeeder', '--json'], schema);
    expect(result.code).toBe(2);
    const failure = result.json<FailureDocument>();
    expect(failure.success).toBe(false);
    expect(failure.error.message).toContain('NoSuchSeeder');
    expect(failure.error.message).toContain('RolesSeeder'); // lists the known ones
    const after = (await run(['history', '--json'], schema)).json<HistoryDocument>().total;
    expect(after).toBe(before);

    const human = await run(['run', '--only', 'NoSuchSeeder'], schema);
    expect(human.code).toBe(2);
    expect(human.stderr).toContain('NoSuchSeeder');
  });
});

describe('run output', () => {
  const schema = 'output';

  it('--log-format json writes one JSON event per line on stderr with the execution id and seeder', async () => {
    const result = await run(['run', '--log-format', 'json', '--json'], schema);
    expect(result.code, result.stderr).toBe(0);
    const doc = result.json<RunDocument>();
    const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
    const events = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`stderr line is not JSON: ${line}`);
      }
    });
    const started = events.filter((e) => e.event === 'seeder_started');
    const completed = events.filter((e) => e.event === 'seeder_completed');
    const names = ['PermissionsSeeder', 'RolesSeeder', 'SuperAdminSeeder', 'SMSTemplatesSeeder'];
    expect(started.map((e) => e.seeder)).toEqual(names);
    expect(completed.map((e) => e.seeder)).toEqual(names);
    for (const event of [...started, ...completed]) expect(event.execution_id).toBe(doc.execution_id);
    expect(completed[0]).toMatchObject({ created: 23, updated: 0, deleted: 0 });
    for (const event of events) expect(typeof event.time).toBe('string');
  });

  it('--log-format json keeps stderr pure JSON for usage and configuration errors too', async () => {
    for (const args of [
      ['run', '--log-format=json', '--lock-timeout', 'abc'],
      ['run', '--log-format', 'json', '--no-such-flag'],
      ['--log-format', 'json', 'sow'],
      ['run', '--log-format', 'json', '--only', 'NoSuchSeeder'],
    ]) {
      const result = await run(args, schema);
      expect(result.code, args.join(' ')).toBe(2);
      const lines = result.stderr.split('\n').filter(Boolean);
      expect(lines.length, args.join(' ')).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line), `${args.join(' ')}: ${line}`).not.toThrow();
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ event: 'error', code: expect.any(String) });
    }
    const env = await run(['run', '--bogus'], schema, { SEED_LOG_FORMAT: 'json' });
    expect(env.code).toBe(2);
    for (const line of env.stderr.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('SEED_LOG_FORMAT=json does the same from the environment', async () => {
    const result = await run(['run'], schema, { SEED_LOG_FORMAT: 'json' });
    expect(result.code, result.stderr).toBe(0);
    const events = result.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: string });
    expect(events.filter((e) => e.event === 'seeder_completed')).toHaveLength(4);
  });

  it('prints plain lines and a summary without ANSI escape codes when not on a TTY', async () => {
    const result = await run(['run'], schema, { NO_COLOR: undefined, TERM: 'xterm-256color' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/PermissionsSeeder/);
    expect(result.stdout).toMatch(/Total/);
    expect(result.stderr).toMatch(/RolesSeeder/);
    expect(result.stdout).not.toMatch(ANSI_ESCAPE);
    expect(result.stderr).not.toMatch(ANSI_ESCAPE);

    const failed = await run(['run', '--only', 'Nope'], schema, {
      NO_COLOR: undefined,
      TERM: 'xterm-256color',
    });
    expect(failed.code).toBe(2);
    expect(failed.stderr).not.toMatch(ANSI_ESCAPE);
  });
});

describe('migrate (own schema)', () => {
  const schema = 'migrate';

  it('creates the FoodFleet tables and the tracking table once, with the documented columns', async () => {
    const first = await run(['migrate', '--json'], schema);
    expect(first.code, first.stderr).toBe(0);
    const applied = first.json<{ success: boolean; applied: string[] }>();
    expect(applied.success).toBe(true);
    expect(applied.applied.length).toBeGreaterThan(0);
    const tables = await tablesIn(db, schema);
    for (const table of [
      'permissions',
      'roles',
      'role_permissions',
      'users',
      'user_roles',
      'sms_templates',
      'seeder_executions',
    ]) {
      expect(tables).toContain(table);
    }
    const columns = async (table: string) =>
      (
        await db.query<{ name: string }>(
          'select column_name as name from information_schema.columns where table_schema = $1 and table_name = $2',
          [schema, table],
        )
      ).map((c) => c.name);
    expect(await columns('users')).toEqual(
      expect.arrayContaining([
        'id',
        'email',
        'username',
        'full_name',
        'password_hash',
        'is_active',
        'is_verified',
        'token_version',
        'created_at',
        'updated_at',
      ]),
    );
    expect(await columns('roles')).toEqual(
      expect.arrayContaining(['id', 'name', 'description', 'is_system']),
    );
    expect(await columns('permissions')).toEqual(
      expect.arrayContaining(['id', 'name', 'resource', 'action', 'description']),
    );
    expect(await rowCounts(db, schema)).toMatchObject({ permissions: 0, users: 0 });

    const again = await run(['migrate', '--json'], schema);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json<{ applied: string[] }>().applied).toEqual([]);
    const text = await run(['migrate'], schema);
    expect(text.stdout).toMatch(/up to date/);
  });
});
