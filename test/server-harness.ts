import bcrypt from 'bcryptjs';
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import { Output } from '../src/cli/output.js';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { openDatabase } from '../src/db/open-database.js';
import type { Database } from '../src/db/database.js';
import { createApp, type AppSettings } from '../src/server/app.js';
import { createBcryptPool } from '../src/server/auth/bcrypt-pool.js';
import type { PasswordHasher } from '../src/server/auth/password-hasher.js';
import type { Clock } from '../src/server/clock.js';
import { createOperations, type Operations } from '../src/server/operations.js';
import { outputLogger } from '../src/cli/output-logger.js';
import { startServer, type RunningServer } from '../src/server/start-server.js';
import { runCli, startCli, tempDir, type CliProcess, type FreshDatabase } from './support/index.js';

/**
 * The API in this process over real HTTP on 127.0.0.1 (port 0), against a real database: the app
 * from `createApp` with the real operations (or a substitute), a controllable clock, and the
 * log captured.
 */
export const TOKEN_SECRET = 'test-token-secret-0123456789-abcdefghijklmnop';
export const DEFAULT_PASSWORD = 'SuperAdmin@123';
export const SUPERADMIN_EMAIL = 'admin@foodfleet.com';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

interface RequestOptions {
  token?: string;
  /** Sent as given (a string) or JSON-encoded; with no content-type header, like `curl -d`. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiHarness {
  url: string;
  config: Config;
  database: Database;
  /** The method and path of every handler the app registered (Hono's `app.routes`). */
  routes: ReadonlyArray<{ method: string; path: string }>;
  /** Everything the server logged (request lines, events), masked as the CLI masks. */
  log(): string;
  /** Moves the app's clock (tokens, throttling). */
  advanceClock(seconds: number): void;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  login(email: string, password: string): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  db: FreshDatabase;
  env?: Record<string, string>;
  production?: boolean;
  logFormat?: 'text' | 'json';
  settings?: Partial<AppSettings>;
  /** Replaces the real operations (the RBAC matrix records calls instead of wiping the users). */
  operations?: (real: Operations) => Operations;
}

export async function startApi(options: HarnessOptions): Promise<ApiHarness> {
  const env = { DATABASE_URL: options.db.url, SEED_TOKEN_SECRET: TOKEN_SECRET, ...options.env };
  const { config } = loadConfig({ cwd: tempDir('foodfleet-api-'), env });
  const captured: string[] = [];
  const sink = new Writable({
    write: (chunk, _encoding, done) => {
      captured.push(String(chunk));
      done();
    },
  });
  const out = new Output({
    json: false,
    logFormat: options.logFormat ?? 'text',
    stdout: sink,
    stderr: sink,
    env,
  });
  out.setSecrets([TOKEN_SECRET]);
  const logger = outputLogger(out);
  const database = await openDatabase(config);
  const passwords: PasswordHasher = createBcryptPool();
  const runs = new AbortController();
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
  const real = createOperations({
    config,
    production: Boolean(options.production),
    database,
    redact: (text) => out.redact(text),
    logger,
    signal: runs.signal,
  });
  const app = createApp({
    database,
    operations: options.operations ? options.operations(real) : real,
    passwords,
    clock,
    logger,
    config: {
      production: Boolean(options.production),
      tokenSecret: new TextEncoder().encode(TOKEN_SECRET),
      tokenLifetime: config.server.tokenLifetime,
      bcryptCost: config.server.bcryptCost,
      redact: (text) => out.redact(text),
      ...options.settings,
    },
  });
  let server: RunningServer;
  try {
    server = await startServer({ fetch: app.fetch, host: '127.0.0.1', port: 0 });
  } catch (error) {
    await passwords.close();
    await database.close();
    throw error;
  }
  const request = async <T>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      // What curl sends for -d without -H: the API must read JSON anyway.
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const response = await fetch(`${server.url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // leave undefined: asserted by the caller
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  };
  return {
    url: server.url,
    config,
    database,
    routes: app.routes.map(({ method, path }) => ({ method, path })),
    log: () => captured.join(''),
    advanceClock: (seconds) => (offsetMs += seconds * 1000),
    request,
    async login(email, password) {
      const response = await request<{ access_token: string }>('POST', '/api/v1/auth/login', {
        body: { email, password },
      });
      expect(response.status, response.text).toBe(200);
      return response.body.access_token;
    },
    async close() {
      await server.close({ graceMs: 2000, onGraceExpired: () => runs.abort() });
      await passwords.close();
      await database.close();
    },
  };
}

/** Limits no test meets by accident (the throttle's counters are shared by every app on the database). */
export const GENEROUS_THROTTLE = {
  maxFailures: 10_000,
  maxFailuresPerAddress: 10_000,
  slowdownAfter: 10_000,
  maxChecksPerAddress: 100,
};

/** Forgets every failed attempt counted so far (the counters live in the database, not the app). */
export async function clearThrottle(db: FreshDatabase): Promise<void> {
  await db.query(
    "do $$ begin if to_regclass('foodfleet_seed_login_throttle') is not null then delete from foodfleet_seed_login_throttle; end if; end $$",
  );
}

/** Seeds the database the way an operator does: `foodfleet-seed run`. */
export async function seedWithCli(db: FreshDatabase, env: Record<string, string> = {}): Promise<void> {
  const result = await runCli(['run', '--no-backup', '--json'], { env: { DATABASE_URL: db.url, ...env } });
  expect(result.code, result.stderr).toBe(0);
}

/**
 * Creates an active user holding `roles` (by name); returns its id. The hash costs 12 like the
 * seeded super-admin's, so costs are uniform as in a real database (the login timing depends on it).
 */
export async function createUser(
  db: FreshDatabase,
  user: { email: string; password: string; roles: string[]; active?: boolean; cost?: number },
): Promise<number> {
  const hash = await bcrypt.hash(user.password, user.cost ?? 12);
  const [row] = await db.query<{ id: number }>(
    'insert into users (email, username, password_hash, is_active, is_verified) values ($1, $2, $3, $4, true) returning id',
    [user.email, user.email, hash, user.active ?? true],
  );
  const id = row!.id;
  for (const role of user.roles) {
    await db.query('insert into user_roles (user_id, role_id) select $1, id from roles where name = $2', [
      id,
      role,
    ]);
  }
  return id;
}

/** `foodfleet-seed serve --port 0` as a process: its URL from the "Listening on" line. */
export async function startServe(
  env: Record<string, string | undefined>,
  args: string[] = [],
  cwd?: string,
): Promise<{ url: string; cli: CliProcess }> {
  const cli = startCli(['serve', '--port', '0', ...args], { env, cwd });
  const line = await cli.waitForLine('stderr', /Listening on http|"event":"server_listening"/, 30_000);
  const url = /(http:\/\/[^\s"]+:\d+)/.exec(line)?.[1];
  if (!url) throw new Error(`No URL in: ${line}`);
  return { url, cli };
}

/**
 * What `curl -X METHOD URL -H … -d DATA` sends: with -d and no Content-Type header, curl says
 * application/x-www-form-urlencoded. Returns status, headers and the parsed JSON body.
 */
export async function curl(
  method: string,
  url: string,
  options: { headers?: string[]; data?: string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  for (const header of options.headers ?? []) {
    const at = header.indexOf(':');
    headers[header.slice(0, at).trim().toLowerCase()] = header.slice(at + 1).trim();
  }
  if (options.data !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  const response = await fetch(url, { method, headers, body: options.data });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}
