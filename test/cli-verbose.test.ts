import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FreshDatabase, freshDatabase, runCli } from './support/index.js';
import { seedersDir } from './support/seeders-dir.js';

/**
 * Errors are logged with their full traceback: always in the JSON events (`stack`), in text mode
 * only with `--verbose`; secrets masked either way.
 */

/** The password to find masked: the URL's own where the server checks it, else one trust ignores. */
let PASSWORD = 'Sup3r-Secret-Pass';
let db: FreshDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  db = await freshDatabase('verbose');
  await db.query('create table failing_marks (id serial primary key, name text not null)');
  const url = new URL(db.url);
  // A server with password authentication (the throwaway one) needs its own; trust ignores ours.
  if (url.password) PASSWORD = decodeURIComponent(url.password);
  else url.password = PASSWORD;
  env = { DATABASE_URL: url.toString(), SEED_SEEDERS_DIR: seedersDir('failing-seeder.ts') };
});

afterAll(() => db.close());

describe('tracebacks', () => {
  it('--log-format json: seeder_failed and error carry the stack (the throwing function named), secrets masked', async () => {
    const result = await runCli(['run', '--no-backup', '--log-format', 'json'], { env });
    expect(result.code).toBe(1);
    const events = result.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const failed = events.find((e) => e.event === 'seeder_failed');
    const error = events.find((e) => e.event === 'error');
    expect(failed?.stack).toMatch(/boom: the kitchen is on fire\n\s+at throwKitchenFire/);
    expect(error).toMatchObject({ code: 'SEEDER_FAILED' });
    expect(error?.stack).toMatch(/SeederFailedError|throwKitchenFire/);
    expect(result.stderr).not.toContain(PASSWORD);
  });

  it('text mode prints the traceback only with --verbose', async () => {
    const quiet = await runCli(['run', '--no-backup'], { env });
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toMatch(/^Error: FailingSeeder failed: boom/m);
    expect(quiet.stderr).not.toMatch(/at throwKitchenFire/);

    const verbose = await runCli(['run', '--no-backup', '--verbose'], { env });
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/^Error: FailingSeeder failed: boom/m);
    expect(verbose.stderr).toMatch(/^\s+at throwKitchenFire/m);
    expect(verbose.stdout).toBe('');
  });

  it('--verbose is listed in --help', async () => {
    const help = await runCli(['--help']);
    expect(help.stdout).toContain('--verbose');
  });
});
