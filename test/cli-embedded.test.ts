import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir } from './support/index.js';
import type {
  ExecutionDocument,
  FailureDocument,
  HistoryDocument,
  RunDocument,
} from './support/documents.js';
import { seederCounts } from './support/documents.js';
import { FIRST_RUN_COUNTS, SECOND_RUN_COUNTS } from './support/expected-data.js';
import { seedersDir } from './support/seeders-dir.js';

/**
 * The embedded default: no config and no DATABASE_URL seeds PGlite persisted under
 * ./.foodfleet-seed/db. Few runs (a first PGlite init takes ~3 s).
 */
describe('the embedded default (PGlite in ./.foodfleet-seed/db)', () => {
  const cwd = tempDir('foodfleet-embedded-');
  const ids: Record<string, number> = {};

  it('a dry run reports 33 and leaves nothing behind', async () => {
    const result = await runCli(['run', '--dry-run', '--json'], { cwd, timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(0);
    const doc = result.json<RunDocument>();
    expect(doc.dry_run).toBe(true);
    expect(seederCounts(doc)).toEqual(FIRST_RUN_COUNTS);
    expect(existsSync(path.join(cwd, '.foodfleet-seed', 'db'))).toBe(true);
    ids.dry = doc.execution_id;
  }, 90_000);

  it('a failing custom seeder rolls everything back and is recorded failed (exit 1)', async () => {
    const result = await runCli(['run', '--json'], {
      cwd,
      env: { SEED_SEEDERS_DIR: seedersDir('failing-seeder.ts') },
    });
    expect(result.code, result.stderr).toBe(1);
    const failure = result.json<FailureDocument>();
    expect(failure.error.code).toBe('SEEDER_FAILED');
    expect(failure.error.message).toContain('FailingSeeder');
    ids.failed = failure.execution_id!;
  });

  it('the first real run creates 23 + 5 + 1 + 4 = 33 (so neither earlier run left rows), the next creates nothing', async () => {
    const first = await runCli(['run', '--json'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const doc = first.json<RunDocument>();
    expect(seederCounts(doc)).toEqual(FIRST_RUN_COUNTS);
    expect(doc.results.total).toEqual({ created: 33, updated: 0, deleted: 0 });
    ids.first = doc.execution_id;

    const second = await runCli(['run', '--json'], { cwd });
    expect(second.code, second.stderr).toBe(0);
    expect(seederCounts(second.json<RunDocument>())).toEqual(SECOND_RUN_COUNTS);
    ids.second = second.json<RunDocument>().execution_id;
  });

  it('history and show read the executions back', async () => {
    const history = await runCli(['history', '--json'], { cwd });
    expect(history.code, history.stderr).toBe(0);
    const page = history.json<HistoryDocument>();
    expect(page.total).toBe(4);
    expect(page.items.map((item) => [item.id, item.status])).toEqual([
      [ids.second, 'completed'],
      [ids.first, 'completed'],
      [ids.failed, 'failed'],
      [ids.dry, 'completed'],
    ]);

    const shown = await runCli(['show', String(ids.failed), '--json'], { cwd });
    expect(shown.code, shown.stderr).toBe(0);
    const execution = shown.json<ExecutionDocument>();
    expect(execution.error?.message).toContain('FailingSeeder');
    expect(execution.error?.stack).toBeTruthy();
    expect(execution.triggered_by).toMatch(/^cli:.+@.+/);
  });

  it('Ctrl-C during a run rolls back, exits 130 and releases the data directory', async () => {
    const env = { SEED_SEEDERS_DIR: seedersDir('slow-seeder.ts'), SLOW_SEEDER_SECONDS: '60' };
    const cli = startCli(['run', '--json', '--log-format', 'json'], { cwd, env, timeoutMs: 90_000 });
    await cli.waitForLine('stderr', /"event":"seeder_started".*"seeder":"SlowSeeder"/, 60_000);
    const result = await cli.kill('SIGINT');
    expect(result.code, result.stderr).toBe(130);
    const failure = result.json<FailureDocument>();
    expect(failure.error.code).toBe('CANCELLED');

    // The lock file is gone: the next command opens the directory at once.
    const shown = await runCli(['show', String(failure.execution_id), '--json', '--lock-timeout', '1'], {
      cwd,
    });
    expect(shown.code, shown.stderr).toBe(0);
    const execution = shown.json<ExecutionDocument>();
    expect(execution.status).toBe('failed');
    expect(execution.error?.message).toMatch(/cancelled/i);
  }, 90_000);

  it('database.embedded.dir from seedrc.json moves the data directory', async () => {
    const other = tempDir('foodfleet-embedded-dir-');
    writeFileSync(
      path.join(other, 'seedrc.json'),
      JSON.stringify({ database: { embedded: { dir: './data/pg' } } }),
    );
    const result = await runCli(['run', '--json', '--only', 'PermissionsSeeder'], {
      cwd: other,
      timeoutMs: 90_000,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<RunDocument>().results.total.created).toBe(23);
    expect(existsSync(path.join(other, 'data', 'pg'))).toBe(true);
    expect(existsSync(path.join(other, '.foodfleet-seed', 'db'))).toBe(false);
  }, 90_000);
});
