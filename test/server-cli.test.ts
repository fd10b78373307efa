import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedersDir } from './support/seeders-dir.js';
import { freshDatabase, runCli, tempDir, type FreshDatabase } from './support/index.js';
import {
  curl,
  DEFAULT_PASSWORD,
  seedWithCli,
  startServe,
  SUPERADMIN_EMAIL,
  TOKEN_SECRET,
} from './server-harness.js';

/** `foodfleet-seed serve` as an operator starts and stops it. */
let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase('server-cli');
  await seedWithCli(db);
  await db.query('create table slow_marks (id serial primary key, name text not null)');
});

afterAll(async () => {
  await db?.close();
});

async function loginToken(url: string): Promise<string> {
  const response = await curl('POST', `${url}/api/v1/auth/login`, {
    data: JSON.stringify({ email: SUPERADMIN_EMAIL, password: DEFAULT_PASSWORD }),
  });
  expect(response.status, response.text).toBe(200);
  return response.body.access_token;
}

describe('starting', () => {
  it('refuses to start in production without a token secret: exit 2, a clear message, nothing served', async () => {
    const result = await runCli(['serve', '--port', '0'], {
      env: { DATABASE_URL: db.url, NODE_ENV: 'production' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/NODE_ENV=production and no token secret is configured: refusing to start/);
    expect(result.stderr).toMatch(/SEED_TOKEN_SECRET/);
    expect(result.stderr).not.toMatch(/Listening/);
  });

  it('outside production, serves with a random per-process secret and says so', async () => {
    const serve = await startServe({ DATABASE_URL: db.url });
    try {
      expect(serve.cli.output().stderr).toMatch(
        /No token secret configured .* using a random one for this process/,
      );
      const token = await loginToken(serve.url);
      expect(
        (await curl('GET', `${serve.url}/api/v1/seeders/`, { headers: [`Authorization: Bearer ${token}`] }))
          .status,
      ).toBe(200);
    } finally {
      expect((await serve.cli.kill('SIGTERM')).code).toBe(0);
    }
  });

  it('--host and --port bind where asked; a port in use fails with exit 1 and says so', async () => {
    const first = await startServe({ DATABASE_URL: db.url, SEED_TOKEN_SECRET: TOKEN_SECRET }, [
      '--host',
      '127.0.0.1',
    ]);
    try {
      const port = new URL(first.url).port;
      const clash = await runCli(['serve', '--port', port], {
        env: { DATABASE_URL: db.url, SEED_TOKEN_SECRET: TOKEN_SECRET },
      });
      expect(clash.code).toBe(1);
      expect(clash.stderr).toMatch(
        /Cannot listen on 127\.0\.0\.1:\d+: the port is already in use .*Choose another with --host \/ --port/,
      );
    } finally {
      await first.cli.kill('SIGTERM');
    }
  });
});

describe('logging', () => {
  it('--log-format json: one request event per line (method, path, status, duration, user id), never a body or token', async () => {
    const serve = await startServe({ DATABASE_URL: db.url, SEED_TOKEN_SECRET: TOKEN_SECRET }, [
      '--log-format',
      'json',
    ]);
    const token = await loginToken(serve.url);
    await curl('GET', `${serve.url}/api/v1/seeders/?limit=5`, {
      headers: [`Authorization: Bearer ${token}`],
    });
    await curl('GET', `${serve.url}/api/v1/seeders/`, { headers: [`Authorization: Bearer ${token}x`] });
    const { stderr, code } = await serve.cli.kill('SIGTERM');
    expect(code).toBe(0);
    const events = stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = events.filter((e) => e.event === 'request');
    expect(requests).toEqual([
      {
        time: expect.any(String),
        event: 'request',
        method: 'POST',
        path: '/api/v1/auth/login',
        status: 200,
        duration_ms: expect.any(Number),
        user_id: null,
      },
      {
        time: expect.any(String),
        event: 'request',
        method: 'GET',
        path: '/api/v1/seeders',
        status: 200,
        duration_ms: expect.any(Number),
        user_id: 1,
      },
      {
        time: expect.any(String),
        event: 'request',
        method: 'GET',
        path: '/api/v1/seeders',
        status: 401,
        duration_ms: expect.any(Number),
        user_id: null,
      },
    ]);
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['server_listening', 'server_stopping', 'server_stopped']),
    );
    expect(stderr).not.toContain(token);
    expect(stderr).not.toContain(DEFAULT_PASSWORD);
    expect(stderr).not.toContain(TOKEN_SECRET);
  });
});

describe('graceful shutdown', () => {
  const slowEnv = (seconds: number, extra: Record<string, string> = {}) => ({
    DATABASE_URL: db.url,
    SEED_TOKEN_SECRET: TOKEN_SECRET,
    SEED_SEEDERS_DIR: seedersDir('slow-seeder.ts'),
    SLOW_SEEDER_SECONDS: String(seconds),
    ...extra,
  });

  it('SIGTERM lets the run in flight finish (a second run meanwhile is refused with 409), then exits 0', async () => {
    const serve = await startServe(slowEnv(3));
    const token = await loginToken(serve.url);
    const headers = [`Authorization: Bearer ${token}`];
    const running = curl('POST', `${serve.url}/api/v1/seeders/execute`, {
      headers,
      data: '{"create_backup": false}',
    });
    await serve.cli.waitForLine('stderr', /→ SlowSeeder/);
    const second = await curl('POST', `${serve.url}/api/v1/seeders/execute`, {
      headers,
      data: '{"create_backup": false}',
    });
    expect(second.status, second.text).toBe(409);
    expect(second.body.detail).toMatch(/Another run holds the lock: execution #\d+ \(run, by api:user:1/);

    serve.cli.child.kill('SIGTERM');
    await serve.cli.waitForLine('stderr', /Stopping: refusing new connections/);
    await expect(fetch(`${serve.url}/health`)).rejects.toThrow();
    const first = await running;
    expect(first.status, first.text).toBe(200);
    expect(first.body.results.seeders.SlowSeeder.status).toBe('completed');
    const result = await serve.cli.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Stopped; every request finished/);
  });

  it('a run still going after server.shutdownTimeout is cancelled and rolled back; the client gets 503', async () => {
    const cwd = tempDir('foodfleet-serve-');
    writeFileSync(path.join(cwd, 'seedrc.json'), JSON.stringify({ server: { shutdownTimeout: 1 } }));
    const serve = await startServe(slowEnv(60, { SLOW_SEEDER_MODE: 'sql', SLOW_SEEDER_TABLE: '1' }), [], cwd);
    const token = await loginToken(serve.url);
    const running = curl('POST', `${serve.url}/api/v1/seeders/execute`, {
      headers: [`Authorization: Bearer ${token}`],
      data: '{"create_backup": false}',
    });
    await serve.cli.waitForLine('stderr', /→ SlowSeeder/);
    const started = performance.now();
    serve.cli.child.kill('SIGTERM');
    const response = await running;
    expect(response.status, response.text).toBe(503);
    expect(response.body.detail).toMatch(/Cancelled/);
    const result = await serve.cli.done;
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/cancelling them/);
    const [row] = await db.query<{ status: string; user_id: number }>(
      'select status, user_id from seeder_executions where id = $1',
      [response.body.execution_id],
    );
    expect(row).toEqual({ status: 'failed', user_id: 1 });
    expect(await db.query('select * from slow_marks')).toEqual([]);
  });
});
