import bcrypt from 'bcryptjs';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, runCli, tempDir, type CliResult, type FreshDatabase } from './support/index.js';
import type { FailureDocument, HistoryDocument, RunDocument } from './support/documents.js';
import { DEFAULT_PASSWORD, FIRST_RUN_COUNTS } from './support/expected-data.js';
import { pgEnv, rowCounts, tablesIn } from './support/seeded-rows.js';

/**
 * The super-admin account: configured password, never overwritten, the production refusal and
 * the default-password warning. Each scenario uses its own schema of one database.
 */
let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase('cli-superadmin');
});

afterAll(async () => {
  await db?.close();
});

function run(
  args: string[],
  schema: string,
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  return runCli(args, { env: pgEnv(db, schema, env) });
}

async function passwordHash(schema: string): Promise<string> {
  const [row] = await db.query<{ password_hash: string }>(
    `select password_hash from ${schema}.users where email = 'admin@foodfleet.com'`,
  );
  if (!row) throw new Error(`no super-admin in schema ${schema}`);
  return row.password_hash;
}

function allOutput(result: CliResult): string {
  return result.stdout + result.stderr;
}

const DEFAULT_WARNING = /default password/i;

describe('a configured password (SEED_SUPERADMIN_PASSWORD)', () => {
  const schema = 'configured';
  const password = 'Kitchen-Secret-42!';

  it('is used when the account is created, never printed, and no default-password warning appears', async () => {
    const outputs: CliResult[] = [];
    const created = await run(['run', '--json'], schema, { SEED_SUPERADMIN_PASSWORD: password });
    outputs.push(created);
    expect(created.code, created.stderr).toBe(0);
    const doc = created.json<RunDocument>();
    expect(doc.results.seeders.SuperAdminSeeder).toMatchObject({ created: 1 });
    expect(doc.warnings.join('\n')).not.toMatch(DEFAULT_WARNING);
    expect(created.stderr).not.toMatch(DEFAULT_WARNING);

    const hash = await passwordHash(schema);
    expect(await bcrypt.compare(password, hash)).toBe(true);
    expect(await bcrypt.compare(DEFAULT_PASSWORD, hash)).toBe(false);

    // Every kind of output, with the password in the environment.
    const env = { SEED_SUPERADMIN_PASSWORD: password };
    outputs.push(await run(['run'], schema, env));
    outputs.push(await run(['run', '--log-format', 'json'], schema, env));
    outputs.push(await run(['history', '--json'], schema, env));
    outputs.push(await run(['history'], schema, env));
    outputs.push(await run(['show', String(doc.execution_id), '--json'], schema, env));
    outputs.push(await run(['show', String(doc.execution_id)], schema, env));
    outputs.push(await run(['run', '--only', 'NoSuchSeeder'], schema, env));
    for (const result of outputs) {
      expect(result.code, result.stderr).not.toBeNull();
      expect(allOutput(result)).not.toContain(password);
    }
    expect(outputs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 0, 2]);
    // Nor is it stored anywhere in the execution records.
    const records = await db.query(`select * from ${schema}.seeder_executions`);
    expect(JSON.stringify(records)).not.toContain(password);
  });

  it('never changes an existing password on a re-run, whatever is configured now', async () => {
    const other = bcrypt.hashSync('Changed-By-The-App-1', 4);
    await db.query(`update ${schema}.users set password_hash = $1 where email = 'admin@foodfleet.com'`, [
      other,
    ]);

    const withOther = await run(['run', '--json'], schema, {
      SEED_SUPERADMIN_PASSWORD: 'A-Different-Password-9',
    });
    expect(withOther.code, withOther.stderr).toBe(0);
    expect(withOther.json<RunDocument>().results.seeders.SuperAdminSeeder).toMatchObject({
      created: 0,
      updated: 0,
      deleted: 0,
    });
    expect(await passwordHash(schema)).toBe(other);

    const withNone = await run(['run', '--json'], schema);
    expect(withNone.code, withNone.stderr).toBe(0);
    expect(await passwordHash(schema)).toBe(other);
  });

  it('superadmin.password in seedrc.json works too and is masked in messages', async () => {
    const fileSchema = 'configured_file';
    const cwd = tempDir();
    writeFileSync(`${cwd}/seedrc.json`, JSON.stringify({ superadmin: { password: 'From-The-File-77' } }));
    const result = await runCli(['run', '--json'], { cwd, env: pgEnv(db, fileSchema) });
    expect(result.code, result.stderr).toBe(0);
    expect(await bcrypt.compare('From-The-File-77', await passwordHash(fileSchema))).toBe(true);
    expect(allOutput(result)).not.toContain('From-The-File-77');
  });
});

describe('the documented default password', () => {
  const schema = 'defaults';

  it('is used when nothing is configured, with a warning on every run while the hash still matches it', async () => {
    const first = await run(['run', '--json'], schema);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json<RunDocument>().warnings.join('\n')).toMatch(DEFAULT_WARNING);
    expect(first.stderr).toMatch(DEFAULT_WARNING);
    expect(await bcrypt.compare(DEFAULT_PASSWORD, await passwordHash(schema))).toBe(true);

    const second = await run(['run'], schema);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/^Warning: .*default password/im);

    const events = await run(['run', '--log-format', 'json'], schema);
    const warning = events.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: string; message?: string })
      .find((e) => e.event === 'warning' && DEFAULT_WARNING.test(e.message ?? ''));
    expect(warning?.message).toMatch(DEFAULT_WARNING);

    await db.query(`update ${schema}.users set password_hash = $1`, [bcrypt.hashSync('Now-Changed-123', 4)]);
    const after = await run(['run', '--json'], schema);
    expect(after.code, after.stderr).toBe(0);
    expect(after.json<RunDocument>().warnings.join('\n')).not.toMatch(DEFAULT_WARNING);
    expect(after.stderr).not.toMatch(DEFAULT_WARNING);
  });
});

describe('the default-password check without a bcrypt per run', () => {
  const schema = 'remembered';
  const remembered = async () =>
    db.query<{ email: string; password_hash: string }>(
      `select email, password_hash from ${schema}.foodfleet_seed_default_password_hashes`,
    );
  const warns = async () => {
    const result = await run(['run', '--json'], schema);
    expect(result.code, result.stderr).toBe(0);
    return DEFAULT_WARNING.test(result.json<RunDocument>().warnings.join('\n'));
  };

  it('remembers the hash the seeder wrote from the default password, and a re-run still warns', async () => {
    expect(await warns()).toBe(true);
    const hash = await passwordHash(schema);
    expect(await remembered()).toEqual([{ email: 'admin@foodfleet.com', password_hash: hash }]);
    expect(await warns()).toBe(true);
  });

  it('a stored hash equal to the remembered one is taken as the default without comparing', async () => {
    // Only a hash the tool saw produced from the default password is ever remembered; planting a
    // hash of another password in both places shows the re-run trusts the string match alone.
    const planted = bcrypt.hashSync('Not-The-Default-1', 4);
    await db.query(`update ${schema}.foodfleet_seed_default_password_hashes set password_hash = $1`, [
      planted,
    ]);
    await db.query(`update ${schema}.users set password_hash = $1`, [planted]);
    expect(await warns()).toBe(true);
  });

  it('a changed password (another bcrypt hash) gives no warning', async () => {
    await db.query(`update ${schema}.users set password_hash = $1`, [bcrypt.hashSync('Now-Changed-456', 4)]);
    expect(await warns()).toBe(false);
    expect(await warns()).toBe(false);
  });

  it('a new hash of the default password still warns (one comparison), and is remembered from then on', async () => {
    const fresh = bcrypt.hashSync(DEFAULT_PASSWORD, 4);
    await db.query(`update ${schema}.users set password_hash = $1`, [fresh]);
    expect(await warns()).toBe(true);
    expect((await remembered())[0]?.password_hash).toBe(fresh);
    expect(await warns()).toBe(true);
  });

  it('a configured password is never remembered', async () => {
    const other = 'configured_remembered';
    const result = await run(['run', '--json'], other, { SEED_SUPERADMIN_PASSWORD: 'Kitchen-Secret-43!' });
    expect(result.code, result.stderr).toBe(0);
    expect(await db.query(`select * from ${other}.foodfleet_seed_default_password_hashes`)).toEqual([]);
  });
});

describe('NODE_ENV=production', () => {
  const schema = 'prod';
  const production = { NODE_ENV: 'production' };

  it('refuses to create the account with the published password, before writing any data', async () => {
    const refused = await run(['run', '--json'], schema, production);
    expect(refused.code).not.toBe(0);
    expect(refused.code).toBe(1);
    const failure = refused.json<FailureDocument>();
    expect(failure.success).toBe(false);
    expect(failure.error.code).toBe('PRODUCTION_REFUSED');
    expect(failure.error.message).toContain('SEED_SUPERADMIN_PASSWORD');
    expect(failure.error.message).toMatch(/nothing was changed/i);
    expect(await rowCounts(db, schema)).toEqual({
      permissions: 0,
      roles: 0,
      role_permissions: 0,
      users: 0,
      user_roles: 0,
      sms_templates: 0,
    });

    const human = await run(['run'], schema, production);
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('SEED_SUPERADMIN_PASSWORD');

    // The refusal is recorded as a failed execution.
    const history = (await run(['history', '--json'], schema)).json<HistoryDocument>();
    expect(history.items[0]).toMatchObject({ status: 'failed' });
    expect(history.items[0]?.error?.message).toContain('SEED_SUPERADMIN_PASSWORD');
  });

  it('creates the account when a password is configured, and later production runs proceed without one', async () => {
    const created = await run(['run', '--json'], schema, {
      ...production,
      SEED_SUPERADMIN_PASSWORD: 'Prod-Password-2024!',
    });
    expect(created.code, created.stderr).toBe(0);
    const doc = created.json<RunDocument>();
    expect(doc.results.total).toEqual({ created: 33, updated: 0, deleted: 0 });
    expect(doc.warnings.join('\n')).not.toMatch(DEFAULT_WARNING);

    const later = await run(['run', '--json'], schema, production);
    expect(later.code, later.stderr).toBe(0);
    expect(later.json<RunDocument>().results.total).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await bcrypt.compare('Prod-Password-2024!', await passwordHash(schema))).toBe(true);
  });

  it('proceeds (with the warning) when the account already exists with the default password', async () => {
    const legacy = 'prod_legacy';
    const seeded = await run(['run', '--json'], legacy);
    expect(seeded.code, seeded.stderr).toBe(0);
    const prod = await run(['run', '--json'], legacy, production);
    expect(prod.code, prod.stderr).toBe(0);
    expect(prod.json<RunDocument>().warnings.join('\n')).toMatch(DEFAULT_WARNING);
  });

  it('a dry run in production refuses just the same', async () => {
    const dry = await run(['run', '--dry-run', '--json'], 'prod_dry', production);
    expect(dry.code).toBe(1);
    expect(dry.json<FailureDocument>().error.code).toBe('PRODUCTION_REFUSED');
    expect((await tablesIn(db, 'prod_dry')).includes('users')).toBe(true); // migrations only
    expect((await rowCounts(db, 'prod_dry')).permissions).toBe(0);
  });
});

describe('SEED_SUPERADMIN_EMAIL', () => {
  it('creates the account under the configured address', async () => {
    const schema = 'email';
    const result = await run(['run', '--json'], schema, { SEED_SUPERADMIN_EMAIL: 'ops@example.org' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<RunDocument>().results.seeders.SuperAdminSeeder).toMatchObject({
      created: FIRST_RUN_COUNTS.SuperAdminSeeder[0],
    });
    const users = await db.query<{ email: string; username: string }>(
      `select email, username from ${schema}.users`,
    );
    expect(users).toEqual([{ email: 'ops@example.org', username: 'superadmin' }]);
  });

  it('changed after the account exists: a clear message, not a raw duplicate-key error', async () => {
    const schema = 'email';
    const result = await run(['run'], schema, {
      SEED_SUPERADMIN_EMAIL: 'new-ops@example.org',
      SEED_SUPERADMIN_PASSWORD: 'Another-Long-Pass-1',
    });
    const output = result.stdout + result.stderr;
    expect(output).not.toMatch(/duplicate key value/);
    expect(output).toContain('SEED_SUPERADMIN_EMAIL');
    const users = await db.query<{ email: string }>(`select email from ${schema}.users`);
    expect(users).toEqual([{ email: 'ops@example.org' }]);
  });
});
