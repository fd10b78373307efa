import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, runCli, tempDir, type CliResult, type FreshDatabase } from './support/index.js';
import type {
  ExecutionDocument,
  FailureDocument,
  HistoryDocument,
  RunDocument,
} from './support/documents.js';
import { pgEnv, rowCounts, tablesIn } from './support/seeded-rows.js';
import { seedersDir, writeSeederFile } from './support/seeders-dir.js';

/**
 * Custom seeders loaded from a folder (.ts, no build step), ordered with the built-ins; failures
 * roll back everything and are recorded; definition errors stop before anything runs.
 */
let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase('cli-custom');
});

afterAll(async () => {
  await db?.close();
});

function run(
  args: string[],
  schema: string,
  env: Record<string, string | undefined> = {},
  cwd?: string,
): Promise<CliResult> {
  return runCli(args, { env: pgEnv(db, schema, env), ...(cwd ? { cwd } : {}) });
}

const EMPTY = { permissions: 0, roles: 0, role_permissions: 0, users: 0, user_roles: 0, sms_templates: 0 };

describe('a custom seeder that depends on a built-in', () => {
  const schema = 'custom_ok';

  it('runs after it, in the same run, with its counts reported (SEED_SEEDERS_DIR)', async () => {
    await db.query(`create schema ${schema}`);
    await db.query(
      `create table ${schema}.restaurants (id serial primary key, name text not null unique, owner_role_id integer not null)`,
    );
    const dir = seedersDir('restaurants-seeder.ts');

    const first = await run(['run', '--json'], schema, { SEED_SEEDERS_DIR: dir });
    expect(first.code, first.stderr).toBe(0);
    const doc = first.json<RunDocument>();
    const order = Object.keys(doc.results.seeders);
    expect(order).toContain('RestaurantsSeeder');
    expect(order.indexOf('RestaurantsSeeder')).toBeGreaterThan(order.indexOf('RolesSeeder'));
    expect(doc.results.seeders.RestaurantsSeeder).toMatchObject({
      status: 'completed',
      created: 2,
      updated: 0,
      deleted: 0,
    });
    expect(doc.results.total).toEqual({ created: 35, updated: 0, deleted: 0 });
    const rows = await db.query<{ name: string; role: string }>(
      `select r.name, ro.name as role from ${schema}.restaurants r join ${schema}.roles ro on ro.id = r.owner_role_id order by r.name`,
    );
    expect(rows).toEqual([
      { name: 'Burger Barn', role: 'restaurant_owner' },
      { name: 'Pizza Palace', role: 'restaurant_owner' },
    ]);

    const second = await run(['run', '--json', '--seeders-dir', dir], schema);
    expect(second.code, second.stderr).toBe(0);
    expect(second.json<RunDocument>().results.seeders.RestaurantsSeeder).toMatchObject({
      created: 0,
      updated: 0,
      deleted: 0,
    });
  });

  it('--only a custom seeder runs its built-in dependencies too', async () => {
    const dir = seedersDir('restaurants-seeder.ts');
    const result = await run(['run', '--json', '--only', 'RestaurantsSeeder', '--seeders-dir', dir], schema);
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(result.json<RunDocument>().results.seeders)).toEqual([
      'PermissionsSeeder',
      'RolesSeeder',
      'RestaurantsSeeder',
    ]);
  });

  it('loads seeders from ./seeders by default', async () => {
    const cwd = tempDir();
    writeSeederFile(
      path.join(cwd, 'seeders'),
      'restaurants-seeder.ts',
      readFileSync(path.join(seedersDir('restaurants-seeder.ts'), 'restaurants-seeder.ts'), 'utf8'),
    );
    const result = await run(['run', '--json', '--only', 'RestaurantsSeeder'], schema, {}, cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<RunDocument>().results.seeders).toHaveProperty('RestaurantsSeeder');
  });
});

describe('make <Name>', () => {
  const schema = 'custom_make';

  it('scaffolds a typed seeder that loads and runs once its table exists', async () => {
    const cwd = tempDir();
    const made = await runCli(['make', 'Restaurants', '--json'], { cwd });
    expect(made.code, made.stderr).toBe(0);
    const doc = made.json<{ success: boolean; file: string; seeder: string }>();
    expect(doc.success).toBe(true);
    expect(doc.seeder).toBe('RestaurantsSeeder');
    const file = path.resolve(cwd, doc.file);
    expect(path.dirname(file)).toBe(path.join(cwd, 'seeders'));
    const source = readFileSync(file, 'utf8');
    expect(source).toContain("from 'foodfleet-seed'");
    expect(source).toContain('class RestaurantsSeeder extends Seeder');
    expect(source).toContain('getOrCreate');

    // Refuses to overwrite without --force.
    const again = await runCli(['make', 'RestaurantsSeeder'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(again.stderr).toContain('--force');
    expect(readFileSync(file, 'utf8')).toBe(source);

    const bad = await runCli(['make', 'not-a-class'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not-a-class');
    // Names that could only produce a broken or clashing seeder.
    for (const taken of ['Seeder', 'Permissions', 'SMSTemplatesSeeder']) {
      const result = await runCli(['make', taken], { cwd });
      expect(result.code, taken).toBe(2);
      expect(result.stderr).toMatch(/is taken/);
    }
    expect(readdirSync(path.join(cwd, 'seeders'))).toEqual(['restaurants-seeder.ts']);

    await db.query(`create schema ${schema}`);
    await db.query(
      `create table ${schema}.restaurants (id serial primary key, name text not null unique, description text, address text)`,
    );
    const ran = await run(['run', '--json'], schema, {}, cwd);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.json<RunDocument>().results.seeders.RestaurantsSeeder).toMatchObject({
      status: 'completed',
      created: 1,
    });
    const rows = await db.query(`select name from ${schema}.restaurants`);
    expect(rows).toHaveLength(1);
  });

  it('writes into the configured seeders folder', async () => {
    const cwd = tempDir();
    const made = await runCli(['make', 'MenusSeeder', '--seeders-dir', 'db/seeds', '--json'], { cwd });
    expect(made.code, made.stderr).toBe(0);
    expect(
      existsSync(path.join(cwd, 'db', 'seeds', made.json<{ file: string }>().file.split(path.sep).pop()!)),
    ).toBe(true);
  });
});

describe('a failing custom seeder', () => {
  const schema = 'custom_fail';
  let failed: CliResult;

  beforeAll(async () => {
    await db.query(`create schema ${schema}`);
    await db.query(`create table ${schema}.failing_marks (id serial primary key, name text not null)`);
    failed = await run(['run', '--json'], schema, { SEED_SEEDERS_DIR: seedersDir('failing-seeder.ts') });
  });

  it('exits 1 with one JSON failure document naming the seeder and the execution', () => {
    expect(failed.code).toBe(1);
    const doc = failed.json<FailureDocument>();
    expect(doc.success).toBe(false);
    expect(doc.error.code).toBe('SEEDER_FAILED');
    expect(doc.error.message).toContain('FailingSeeder');
    expect(doc.error.message).toContain('boom: the kitchen is on fire');
    expect(Number.isInteger(doc.execution_id)).toBe(true);
  });

  it('rolls back everything: nothing any seeder wrote in the run remains', async () => {
    expect(await rowCounts(db, schema)).toEqual(EMPTY);
    expect(await db.query(`select * from ${schema}.failing_marks`)).toEqual([]);
  });

  it('is recorded failed with the message, the stack and per-seeder statuses', async () => {
    const id = failed.json<FailureDocument>().execution_id!;
    const shown = await run(['show', String(id), '--json'], schema);
    expect(shown.code, shown.stderr).toBe(0);
    const execution = shown.json<ExecutionDocument>();
    expect(execution.status).toBe('failed');
    expect(execution.finished_at).not.toBeNull();
    expect(execution.error?.message).toContain('FailingSeeder');
    expect(execution.error?.message).toContain('boom: the kitchen is on fire');
    expect(execution.error?.stack).toContain('throwKitchenFire');
    expect(execution.error?.stack).toContain('failing-seeder.ts');
    expect(execution.results?.seeders.FailingSeeder?.status).toBe('failed');
    expect(execution.results?.seeders.PermissionsSeeder?.status).toBe('rolled_back');
    expect(execution.results?.seeders.SMSTemplatesSeeder?.status).toBe('rolled_back');

    const human = await run(['show', String(id)], schema);
    expect(human.stdout).toContain('failed');
    expect(human.stdout).toContain('boom: the kitchen is on fire');
  });

  it('counts what stayed: every total is 0, and each seeder keeps what it attempted beside its status', async () => {
    const id = failed.json<FailureDocument>().execution_id!;
    const execution = (await run(['show', String(id), '--json'], schema)).json<ExecutionDocument>();
    expect(execution.results?.total).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(execution.results?.seeders.PermissionsSeeder).toMatchObject({ status: 'rolled_back' });
    expect(execution.results?.seeders.PermissionsSeeder?.created).toBeGreaterThan(0);
  });

  it('in text mode says on stderr which seeder failed and that the run was rolled back', async () => {
    const text = await run(['run'], schema, { SEED_SEEDERS_DIR: seedersDir('failing-seeder.ts') });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('FailingSeeder');
    expect(text.stderr).toMatch(/rolled back/i);
    expect(text.stdout).toBe('');
  });

  it('emits seeder_failed with --log-format json', async () => {
    const result = await run(['run', '--log-format', 'json'], schema, {
      SEED_SEEDERS_DIR: seedersDir('failing-seeder.ts'),
    });
    expect(result.code).toBe(1);
    const events = result.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const failure = events.find((e) => e.event === 'seeder_failed');
    expect(failure).toMatchObject({ seeder: 'FailingSeeder' });
    expect(String(failure?.error)).toContain('boom');
    expect(typeof failure?.execution_id).toBe('number');
    const started = events.find((e) => e.event === 'seeder_started' && e.seeder === 'FailingSeeder');
    expect(started?.execution_id).toBe(failure?.execution_id);
  });
});

describe('seeder definition errors (exit 2, nothing run)', () => {
  /** Runs with the given seeders folder against a fresh schema; checks nothing was touched. */
  async function refused(schema: string, dir: string): Promise<FailureDocument> {
    const result = await run(['run', '--json'], schema, { SEED_SEEDERS_DIR: dir });
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(await tablesIn(db, schema)).toEqual([]);
    const doc = result.json<FailureDocument>();
    expect(doc.success).toBe(false);
    return doc;
  }

  it('a dependency cycle names the cycle', async () => {
    const doc = await refused('def_cycle', seedersDir('cycle-a-seeder.ts', 'cycle-b-seeder.ts'));
    expect(doc.error.message).toMatch(/cycle/i);
    expect(doc.error.message).toMatch(
      /CycleASeeder → CycleBSeeder → CycleASeeder|CycleBSeeder → CycleASeeder → CycleBSeeder/,
    );
  });

  it('an unknown dependency names the seeder and the missing one', async () => {
    const doc = await refused('def_unknown', seedersDir('unknown-dependency-seeder.ts'));
    expect(doc.error.message).toContain('MenusSeeder');
    expect(doc.error.message).toContain('RestaurantsSeederThatDoesNotExist');
  });

  it('a name clash with a built-in names both', async () => {
    const dir = seedersDir('clashing-seeder.ts');
    const doc = await refused('def_clash', dir);
    expect(doc.error.message).toContain('PermissionsSeeder');
    expect(doc.error.message).toContain(path.join(dir, 'clashing-seeder.ts'));
  });

  it('a file that does not load names the file', async () => {
    const dir = tempDir();
    const file = writeSeederFile(
      dir,
      'broken-seeder.ts',
      "import { Seeder } from 'foodfleet-seed';\nexport class Broken extends Seeder {\n  readonly name = 'Broken'\n  async run( {\n}\n",
    );
    const doc = await refused('def_broken', dir);
    expect(doc.error.message).toContain(file);
    expect(doc.error.message).toMatch(/does not load/);
  });

  it('a file whose import cannot be resolved names the file', async () => {
    const dir = tempDir();
    const file = writeSeederFile(
      dir,
      'missing-import.ts',
      "import { nothing } from './no-such-module.js';\nexport const value = nothing;\n",
    );
    const doc = await refused('def_missing', dir);
    expect(doc.error.message).toContain(file);
  });

  it('a file that exports no seeder names the file', async () => {
    const dir = seedersDir('no-seeder-export.ts');
    const doc = await refused('def_noexport', dir);
    expect(doc.error.message).toContain(path.join(dir, 'no-seeder-export.ts'));
    expect(doc.error.message).toMatch(/does not export a seeder/);
  });

  it('is reported before connecting: the same error even when the database is unreachable', async () => {
    const result = await runCli(['run'], {
      env: {
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nowhere',
        SEED_SEEDERS_DIR: seedersDir('cycle-a-seeder.ts', 'cycle-b-seeder.ts'),
      },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cycle/i);
  });

  it('records no execution', async () => {
    await run(['migrate'], 'def_history');
    const dir = seedersDir('cycle-a-seeder.ts', 'cycle-b-seeder.ts');
    expect((await run(['run'], 'def_history', { SEED_SEEDERS_DIR: dir })).code).toBe(2);
    const history = (await run(['history', '--json'], 'def_history')).json<HistoryDocument>();
    expect(history.total).toBe(0);
  });
});
