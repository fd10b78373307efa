import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PASSWORD,
  SUPERADMIN_EMAIL,
  seedWithCli,
  startServe,
  TOKEN_SECRET,
} from './server-harness.js';
import { eventually, type FaultControl, faultControl } from './support/faults.js';
import { type CliProcess, type FreshDatabase, freshDatabase } from './support/index.js';
import { seedersDir } from './support/seeders-dir.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

/**
 * `serve` when the database connection is lost: the request in flight gets a 503 `{detail}`,
 * the process keeps running, `/health` says `unavailable` while the database is away, and the
 * next request after it is back succeeds — no restart.
 */

const SEEDER_LOCK = 4343;

let db: FreshDatabase;
let control: FaultControl;
let proxy: TcpProxy;
let serve: { url: string; cli: CliProcess };

beforeAll(async () => {
  db = await freshDatabase('faults_serve');
  control = await faultControl(db);
  await seedWithCli(db);
  const target = new URL(db.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  serve = await startServe({
    DATABASE_URL: proxy.via(db.url),
    SEED_TOKEN_SECRET: TOKEN_SECRET,
    SEED_SEEDERS_DIR: seedersDir('blocking-seeder.ts'),
    BLOCKING_SEEDER_LOCK: String(SEEDER_LOCK),
  });
});

afterAll(async () => {
  await serve?.cli.kill();
  await proxy?.close();
  await control?.close();
  await db?.close();
});

async function request(method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${serve.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, any> };
}

async function login(): Promise<string> {
  const response = await request('POST', '/api/v1/auth/login', undefined, {
    email: SUPERADMIN_EMAIL,
    password: DEFAULT_PASSWORD,
  });
  expect(response.status, response.text).toBe(200);
  return response.body.access_token as string;
}

const alive = () => serve.cli.child.exitCode === null && serve.cli.child.signalCode === null;

describe('serve survives a lost database connection', () => {
  it('a run whose connection is cut answers 503 {detail}; the server keeps serving and the next run succeeds', async () => {
    const token = await login();
    await control.query(`select pg_advisory_lock(${SEEDER_LOCK})`);
    let response: Awaited<ReturnType<typeof request>>;
    try {
      const pending = request('POST', '/api/v1/seeders/execute', token, { create_backup: false });
      const waiting = await control.waitingBackend('%pg_advisory_xact_lock%');
      await control.terminate('pid = $1', [waiting.pid]);
      response = await pending;
    } finally {
      await control.query('select pg_advisory_unlock_all()');
    }
    expect(response.status, response.text).toBe(503);
    expect(Object.keys(response.body).sort()).toEqual(['detail', 'execution_id']);
    expect(response.body.detail).toMatch(
      /^The database connection was lost during seeder BlockingSeeder: .*Nothing was committed\.$/,
    );
    expect(response.text).not.toMatch(/\bat .*\.js:\d+/); // no stack over HTTP
    const [row] = await db.query('select status from seeder_executions where id = $1', [
      response.body.execution_id,
    ]);
    expect(row).toEqual({ status: 'failed' });

    expect(alive()).toBe(true);
    const health = await request('GET', '/health');
    expect(health.status, health.text).toBe(200);
    const again = await request('POST', '/api/v1/seeders/execute', token, { create_backup: false });
    expect(again.status, again.text).toBe(200);
  });

  it('between requests: every session dropped, /health says unavailable while the database is away, then recovers', async () => {
    const token = await login();
    proxy.refuse(true);
    proxy.dropAll();
    const down = await request('GET', '/health');
    expect(down.status, down.text).toBe(503);
    expect(down.body).toMatchObject({ status: 'unavailable', database: 'unavailable' });
    const refused = await request('GET', '/api/v1/seeders/', token);
    expect(refused.status, refused.text).toBe(503);
    expect(alive()).toBe(true);

    proxy.refuse(false);
    const up = await eventually(async () => {
      const health = await request('GET', '/health');
      return health.status === 200 ? health : undefined;
    });
    expect(up.body).toMatchObject({ status: 'ok', database: 'ok' });
    const list = await request('GET', '/api/v1/seeders/', token);
    expect(list.status, list.text).toBe(200);
    const run = await request('POST', '/api/v1/seeders/execute', token, { create_backup: false });
    expect(run.status, run.text).toBe(200);
  });
});
