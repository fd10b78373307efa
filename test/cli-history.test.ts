import { hostname, userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, runCli, type CliResult, type FreshDatabase } from './support/index.js';
import type {
  ExecutionDocument,
  FailureDocument,
  HistoryDocument,
  RunDocument,
} from './support/documents.js';
import { pgEnv, tablesIn } from './support/seeded-rows.js';

/** `history` and `show`: the recorded executions, newest first, with paging and the documented shape. */
let db: FreshDatabase;
const ids: number[] = [];

function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, { env: pgEnv(db, 'public', env) });
}

beforeAll(async () => {
  db = await freshDatabase('cli-history');
  // Three executions: a full run, a dry run, a run of one seeder.
  for (const args of [[], ['--dry-run'], ['--only', 'PermissionsSeeder']]) {
    const result = await cli(['run', '--json', ...args]);
    expect(result.code, result.stderr).toBe(0);
    ids.push(result.json<RunDocument>().execution_id);
  }
});

afterAll(async () => {
  await db?.close();
});

describe('history', () => {
  it('lists executions newest first as {items, total, skip, limit}', async () => {
    const result = await cli(['history', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const page = result.json<HistoryDocument>();
    expect(Object.keys(page).sort()).toEqual(['items', 'limit', 'skip', 'total']);
    expect(page.total).toBe(3);
    expect(page.skip).toBe(0);
    expect(page.limit).toBe(20);
    expect(page.items.map((item) => item.id)).toEqual([...ids].reverse());
    expect(page.items.every((item) => item.status === 'completed')).toBe(true);
  });

  it('pages with --skip and --limit', async () => {
    const first = (await cli(['history', '--json', '--limit', '2'])).json<HistoryDocument>();
    expect(first).toMatchObject({ total: 3, skip: 0, limit: 2 });
    expect(first.items.map((item) => item.id)).toEqual([ids[2], ids[1]]);

    const second = (await cli(['history', '--json', '--limit', '2', '--skip', '2'])).json<HistoryDocument>();
    expect(second).toMatchObject({ total: 3, skip: 2, limit: 2 });
    expect(second.items.map((item) => item.id)).toEqual([ids[0]]);

    const past = (await cli(['history', '--json', '--skip', '10'])).json<HistoryDocument>();
    expect(past).toMatchObject({ total: 3, skip: 10, items: [] });
  });

  it('rejects a bad --limit with exit 2', async () => {
    for (const args of [
      ['--limit', '0'],
      ['--limit', '501'],
      ['--limit', 'many'],
      ['--skip', '-1'],
    ]) {
      const result = await cli(['history', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.length).toBeGreaterThan(0);
    }
    const json = await cli(['history', '--json', '--limit', '0']);
    expect(json.json<FailureDocument>()).toMatchObject({ success: false, error: { code: 'USAGE' } });
  });

  it('prints a table in text mode', async () => {
    const result = await cli(['history']);
    expect(result.code, result.stderr).toBe(0);
    for (const id of ids) expect(result.stdout).toContain(String(id));
    expect(result.stdout).toContain('completed');
  });

  it('on a database never seeded, lists nothing and creates only the tracking table', async () => {
    const result = await runCli(['history', '--json'], { env: pgEnv(db, 'never_seeded') });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<HistoryDocument>()).toMatchObject({ items: [], total: 0 });
    const tables = await tablesIn(db, 'never_seeded');
    expect(tables).toContain('seeder_executions');
    for (const table of ['permissions', 'roles', 'role_permissions', 'users', 'user_roles', 'sms_templates'])
      expect(tables).not.toContain(table);

    const text = await runCli(['history'], { env: pgEnv(db, 'never_seeded') });
    expect(text.stdout).toMatch(/No executions recorded yet/);
  });
});

describe('show', () => {
  it('prints one execution with the documented shape', async () => {
    const result = await cli(['show', String(ids[0]), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const execution = result.json<ExecutionDocument>();
    for (const key of [
      'id',
      'command',
      'status',
      'started_at',
      'finished_at',
      'duration_ms',
      'triggered_by',
      'source',
      'options',
      'results',
      'error',
    ]) {
      expect(execution, key).toHaveProperty(key);
    }
    expect(execution).toMatchObject({
      id: ids[0],
      command: 'run',
      status: 'completed',
      source: 'cli',
      error: null,
    });
    expect(execution.triggered_by).toBe(`cli:${userInfo().username}@${hostname()}`);
    expect(execution.options).toEqual({ only: null, dry_run: false });
    expect(Date.parse(execution.started_at)).not.toBeNaN();
    expect(Date.parse(execution.finished_at!)).toBeGreaterThanOrEqual(Date.parse(execution.started_at));
    expect(execution.started_at).toMatch(/Z$/);
    expect(typeof execution.duration_ms).toBe('number');
    expect(execution.duration_ms).toBeGreaterThanOrEqual(0);
    expect(execution.results?.total).toEqual({ created: 33, updated: 0, deleted: 0 });
    expect(execution.results?.seeders.PermissionsSeeder).toMatchObject({
      status: 'completed',
      created: 23,
      updated: 0,
      deleted: 0,
    });

    const only = (await cli(['show', String(ids[2]), '--json'])).json<ExecutionDocument>();
    expect(only.options).toEqual({ only: ['PermissionsSeeder'], dry_run: false });
    expect(Object.keys(only.results?.seeders ?? {})).toEqual(['PermissionsSeeder']);
  });

  it('history items are the same documents as show', async () => {
    const page = (await cli(['history', '--json'])).json<HistoryDocument>();
    const shown = (await cli(['show', String(ids[1]), '--json'])).json<ExecutionDocument>();
    expect(page.items.find((item) => item.id === ids[1])).toEqual(shown);
  });

  it('prints a readable summary in text mode', async () => {
    const result = await cli(['show', String(ids[0])]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`#${ids[0]}`);
    expect(result.stdout).toContain('PermissionsSeeder');
  });

  it('an unknown id exits 1 with a clear message', async () => {
    const result = await cli(['show', '99999']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('99999');
    expect(result.stderr).toMatch(/does not exist/);
    expect(result.stderr).toContain('history');

    const huge = await cli(['show', '99999999999']);
    expect(huge.code).toBe(1);
    expect(huge.stderr).toMatch(/does not exist/);

    const json = await cli(['show', '99999', '--json']);
    expect(json.code).toBe(1);
    expect(json.json<FailureDocument>()).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
  });

  it('a malformed id is a usage error (exit 2)', async () => {
    for (const id of ['abc', '0', '-3']) {
      const result = await cli(['show', id]);
      expect(result.code, id).toBe(2);
    }
  });
});
