import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, runCli, tempDir, type CliResult, type FreshDatabase } from './support/index.js';
import type {
  ExecutionDocument,
  FailureDocument,
  HistoryDocument,
  RunDocument,
} from './support/documents.js';
import { tablesIn } from './support/seeded-rows.js';
import { seedersDir } from './support/seeders-dir.js';

/**
 * Configuration: seedrc.json overlaid by environment and flags, validated with every problem
 * listed by its JSON path (exit 2, nothing touched); secrets masked in everything printed.
 */
let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase('config');
});

afterAll(async () => {
  await db?.close();
});

/** A working directory holding `seedrc.json` with the given content (a string is written as is). */
function withConfig(content: unknown, file = 'seedrc.json'): string {
  const cwd = tempDir();
  writeFileSync(
    path.join(cwd, file),
    typeof content === 'string' ? content : JSON.stringify(content, null, 2),
  );
  return cwd;
}

/** Runs `run --json` expecting a configuration error; checks the document and that the database was not touched. */
async function configError(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<{ message: string; text: CliResult }> {
  const env = { DATABASE_URL: db.url, ...opts.env };
  const json = await runCli([...args, '--json'], { cwd: opts.cwd, env });
  expect(json.code, json.stdout + json.stderr).toBe(2);
  const doc = json.json<FailureDocument>();
  expect(doc.success).toBe(false);
  expect(doc.error.code).toBe('CONFIG_INVALID');
  expect(doc.error.message).toMatch(/nothing was changed/i);
  const text = await runCli(args, { cwd: opts.cwd, env });
  expect(text.code).toBe(2);
  expect(text.stdout).toBe('');
  expect(text.stderr).toContain(doc.error.message.split('\n')[0]!);
  expect(await tablesIn(db, 'public')).toEqual([]);
  return { message: doc.error.message, text };
}

describe('configuration errors: exit 2, every problem with its path, nothing touched', () => {
  it('lists unknown keys, wrong types and a bad URL from seedrc.json in one message', async () => {
    const cwd = withConfig({
      databse: { url: 'postgres://x@y/z' },
      database: { url: 'nope', poolSize: '5', statementTimeout: -1, embedded: { folder: 'x' } },
      superadmin: { email: 'not-an-email', pasword: 'typo-in-key' },
      lockTimeout: 'soon',
      logFormat: 'xml',
      backup: { compressionLevel: 12 },
    });
    const { message } = await configError(['run'], { cwd, env: { DATABASE_URL: undefined } });
    for (const problem of [
      /databse: unknown key/,
      /database\.url: .*postgres/,
      /database\.poolSize: .*number/,
      /database\.statementTimeout: /,
      /database\.embedded\.folder: unknown key/,
      /superadmin\.email: /,
      /superadmin\.pasword: unknown key/,
      /lockTimeout: .*number/,
      /logFormat: /,
      /backup\.compressionLevel: /,
    ]) {
      expect(message).toMatch(problem);
    }
    expect(message).toContain(path.join(cwd, 'seedrc.json'));
    expect(message.split('\n').filter((line) => line.trim().startsWith('- '))).toHaveLength(10);
  });

  it('rejects database.url "nope" (file), DATABASE_URL (env) and --database-url (flag)', async () => {
    const fromFile = await configError(['run'], {
      cwd: withConfig({ database: { url: 'nope' } }),
      env: { DATABASE_URL: undefined },
    });
    expect(fromFile.message).toMatch(/database\.url: /);
    const fromEnv = await configError(['run'], { env: { DATABASE_URL: 'mysql://root@localhost/db' } });
    expect(fromEnv.message).toMatch(/database\.url: /);
    // The flag overrides a valid DATABASE_URL, so nothing reaches the fresh database.
    const fromFlag = await configError(['run', '--database-url', 'localhost:5432']);
    expect(fromFlag.message).toMatch(/database\.url: /);
  });

  it('reports invalid JSON in seedrc.json', async () => {
    const { message } = await configError(['run'], {
      cwd: withConfig('{ "database": { "url": "postgres://a@b/c", } '),
    });
    expect(message).toMatch(/not valid JSON/);
    expect(message).toContain('seedrc.json');
  });

  it('reports a seedrc.json that is not an object', async () => {
    const { message } = await configError(['run'], { cwd: withConfig('["database"]') });
    expect(message).toMatch(/object/);
  });

  it('reports --config pointing to a missing file', async () => {
    const cwd = tempDir();
    const { message } = await configError(['run', '--config', 'missing/seedrc.json'], { cwd });
    expect(message).toContain(path.join(cwd, 'missing', 'seedrc.json'));
    expect(message).toMatch(/not found/);
  });

  it('reads the file named by --config', async () => {
    const cwd = withConfig({ database: { poolSize: 1 } }, 'other.json');
    const { message } = await configError(['run', '--config', 'other.json'], { cwd });
    expect(message).toMatch(/database\.poolSize: /);
    expect(message).toContain(path.join(cwd, 'other.json'));
  });

  it('reports bad environment values by variable name, together with file problems', async () => {
    const cwd = withConfig({ unknownThing: true });
    const { message } = await configError(['run'], {
      cwd,
      env: { S3_FORCE_PATH_STYLE: 'maybe', SEED_LOCK_TIMEOUT: 'abc', SEED_SERVER_PORT: 'eighty' },
    });
    expect(message).toMatch(/SEED_LOCK_TIMEOUT.*abc/);
    expect(message).toMatch(/S3_FORCE_PATH_STYLE.*maybe/);
    expect(message).toMatch(/SEED_SERVER_PORT.*eighty/);
    expect(message).toMatch(/unknownThing: unknown key/);
  });

  it('rejects bad flag values as usage errors', async () => {
    const result = await runCli(['run', '--lock-timeout', 'abc'], { env: { DATABASE_URL: db.url } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--lock-timeout');
    const format = await runCli(['run', '--log-format', 'xml'], { env: { DATABASE_URL: db.url } });
    expect(format.code).toBe(2);
    const unknown = await runCli(['run', '--no-such-flag'], { env: { DATABASE_URL: db.url } });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--no-such-flag');
    const command = await runCli(['sow'], { env: { DATABASE_URL: db.url } });
    expect(command.code).toBe(2);
    const json = await runCli(['run', '--lock-timeout', 'abc', '--json'], { env: { DATABASE_URL: db.url } });
    expect(json.code).toBe(2);
    expect(json.json<FailureDocument>()).toMatchObject({ success: false, error: { code: 'USAGE' } });
    expect(await tablesIn(db, 'public')).toEqual([]);
  });

  it('every command validates the configuration', async () => {
    const cwd = withConfig({ bogus: 1 });
    for (const args of [['migrate'], ['history'], ['show', '1'], ['make', 'ThingsSeeder']]) {
      const result = await runCli(args, { cwd, env: { DATABASE_URL: db.url } });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/bogus: unknown key/);
    }
    expect(await tablesIn(db, 'public')).toEqual([]);
  });
});

describe('configuration precedence: file < environment < flags', () => {
  it('environment overrides the file and flags override both', async () => {
    const cwd = withConfig({
      database: { url: 'postgres://nobody@127.0.0.1:1/nowhere', schema: 'from_file' },
    });
    const fromEnv = await runCli(['run', '--json', '--only', 'PermissionsSeeder'], {
      cwd,
      env: { DATABASE_URL: db.url },
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(await tablesIn(db, 'from_file')).toContain('permissions');

    const fromFlag = await runCli(['run', '--json', '--only', 'PermissionsSeeder', '--schema', 'from_flag'], {
      cwd,
      env: { DATABASE_URL: db.url, DATABASE_SCHEMA: 'from_env' },
    });
    expect(fromFlag.code, fromFlag.stderr).toBe(0);
    expect(await tablesIn(db, 'from_flag')).toContain('permissions');
    expect(await tablesIn(db, 'from_env')).toEqual([]);
  });
});

describe('secrets are masked', () => {
  const password = 'Pa55-w0rd-never-shown';

  /**
   * The test database's URL with a password in it: its own password when the server asks for
   * one (throwaway embedded PostgreSQL), else `password` (a local server that trusts connections
   * accepts any).
   */
  function urlWithPassword(): { url: string; secret: string } {
    const url = new URL(db.url);
    if (!url.password) url.password = password;
    return { url: url.toString(), secret: decodeURIComponent(url.password) };
  }

  it('a DATABASE_URL password never appears when the server is unreachable', async () => {
    const url = `postgres://seeduser:${encodeURIComponent(password)}@127.0.0.1:1/foodfleet`;
    for (const args of [
      ['run'],
      ['run', '--json'],
      ['run', '--log-format', 'json'],
      ['history'],
      ['migrate', '--json'],
    ]) {
      const result = await runCli(args, { env: { DATABASE_URL: url } });
      expect(result.code, args.join(' ')).toBe(1);
      const output = result.stdout + result.stderr;
      expect(output).toContain('seeduser:****@127.0.0.1:1');
      expect(output).not.toContain(password);
    }
    const flag = await runCli(['run', '--database-url', url], {});
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('****');
    expect(flag.stderr).not.toContain(password);
  });

  it('a password with characters that need URL encoding is masked in both forms', async () => {
    const tricky = 'p@ss:w/rd#1';
    const url = `postgres://seeduser:${encodeURIComponent(tricky)}@127.0.0.1:1/foodfleet`;
    const result = await runCli(['run'], { env: { DATABASE_URL: url } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('****');
    expect(result.stderr).not.toContain(tricky);
    expect(result.stderr).not.toContain(encodeURIComponent(tricky));
  });

  it('secrets quoted in a seeder error are masked in every output, and show --json', async () => {
    const { url, secret } = urlWithPassword();
    const adminPassword = 'Super-Admin-Secret-99';
    const env = {
      DATABASE_URL: url,
      DATABASE_SCHEMA: 'leaky',
      SEED_SUPERADMIN_PASSWORD: adminPassword,
      SEED_SEEDERS_DIR: seedersDir('leaky-seeder.ts'),
    };
    const outputs: CliResult[] = [];
    for (const args of [['run'], ['run', '--json'], ['run', '--log-format', 'json']]) {
      const result = await runCli(args, { env });
      expect(result.code, result.stderr).toBe(1);
      outputs.push(result);
    }
    const id = outputs[1]!.json<FailureDocument>().execution_id!;
    expect(outputs[1]!.json<FailureDocument>().error.code).toBe('SEEDER_FAILED');
    expect(outputs[1]!.json<FailureDocument>().error.message).toContain(':****@');
    outputs.push(await runCli(['show', String(id), '--json'], { env }));
    outputs.push(await runCli(['show', String(id)], { env }));
    outputs.push(await runCli(['history', '--json'], { env }));
    const shown = outputs[3]!.json<ExecutionDocument>();
    expect(shown.status).toBe('failed');
    expect(shown.error?.message).toContain('LeakySeeder');
    for (const result of outputs) {
      const output = result.stdout + result.stderr;
      expect(output).not.toContain(secret);
      expect(output).not.toContain(adminPassword);
    }

    // Nor is anything secret stored in the execution records (the API serves them later).
    const rows = await db.query(`select * from leaky.seeder_executions`);
    expect(rows.length).toBe(3);
    const stored = JSON.stringify(rows);
    expect(stored).toContain('LeakySeeder');
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(adminPassword);
  });

  it('a working run with a password in the URL never prints it', async () => {
    const { url, secret } = urlWithPassword();
    const env = { DATABASE_URL: url, DATABASE_SCHEMA: 'masked_ok' };
    const result = await runCli(['run', '--json', '--log-format', 'json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<RunDocument>().success).toBe(true);
    const history = await runCli(['history', '--json'], { env });
    expect(history.json<HistoryDocument>().total).toBe(1);
    for (const output of [result.stdout, result.stderr, history.stdout]) expect(output).not.toContain(secret);
  });
});
