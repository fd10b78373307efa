import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort } from './free-port.js';
import { ensurePostgresUser, type UserIds } from './postgres-user.js';
import { redactUrl } from './redact.js';
import { tempDir } from './temp-dir.js';

type PoolMode = 'session' | 'transaction';

export interface PgBouncerOptions {
  poolMode: PoolMode;
  /** Server connections per database/user pair (PgBouncer's default_pool_size). */
  poolSize?: number;
  /** Startup parameters PgBouncer passes over instead of refusing the connection. */
  ignoreStartupParameters?: string[];
  /**
   * Extra [databases] entries in session mode whatever poolMode says (name → database), as
   * docs/poolers.md recommends for foodfleet-seed next to an application's transaction pool.
   */
  sessionAliases?: Record<string, string>;
  /** Seconds a client waits for a server connection before PgBouncer fails its query (default 30). */
  queryWaitTimeout?: number;
}

export interface RunningPgBouncer {
  /** `serverUrl` with host and port replaced by the pooler's (no password: clients are trusted). */
  url(serverUrl: string): string;
  port: number;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];
const START_TIMEOUT_MS = 15_000;

/** Path of the pgbouncer binary (Debian package `pgbouncer`), or undefined when not installed. */
function pgbouncerBinary(): string | undefined {
  for (const candidate of CANDIDATES) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * Whether the PgBouncer tests run here. CI sets FOODFLEET_REQUIRE_PGBOUNCER=1: a missing binary
 * then fails the suite instead of skipping it; on a bare machine the skip says why.
 */
export function pgbouncerAvailable(): boolean {
  if (pgbouncerBinary()) return true;
  const reason =
    'pgbouncer is not installed (apt-get install -y pgbouncer); the PgBouncer tests are skipped. ' +
    'Set FOODFLEET_REQUIRE_PGBOUNCER=1 to make this an error.';
  if (process.env.FOODFLEET_REQUIRE_PGBOUNCER === '1')
    throw new Error(`FOODFLEET_REQUIRE_PGBOUNCER=1, but ${reason.split(';')[0]}.`);
  console.warn(`[pgbouncer] ${reason}`);
  return false;
}

/**
 * Starts PgBouncer on a random 127.0.0.1 port in front of the PostgreSQL server of `serverUrl`
 * (every database, the URL's user). PgBouncer refuses to run as root: as root it runs as the
 * unprivileged `postgres` user, its files owned by that user.
 */
export async function startPgBouncer(
  serverUrl: string,
  options: PgBouncerOptions,
): Promise<RunningPgBouncer> {
  const binary = pgbouncerBinary();
  if (!binary) throw new Error('pgbouncer is not installed (apt-get install -y pgbouncer)');
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username || 'postgres');
  const password = decodeURIComponent(server.password);
  const port = await freePort();
  const dir = tempDir('foodfleet-pgbouncer-');
  const ini = path.join(dir, 'pgbouncer.ini');
  const userlist = path.join(dir, 'userlist.txt');
  writeFileSync(
    ini,
    [
      '[databases]',
      ...Object.entries(options.sessionAliases ?? {}).map(
        ([alias, database]) =>
          `${alias} = host=${server.hostname} port=${server.port || '5432'} dbname=${database} pool_mode=session`,
      ),
      `* = host=${server.hostname} port=${server.port || '5432'}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${userlist}`,
      `pool_mode = ${options.poolMode}`,
      `default_pool_size = ${options.poolSize ?? 5}`,
      'max_client_conn = 100',
      `ignore_startup_parameters = ${(options.ignoreStartupParameters ?? []).join(',')}`,
      // A client waiting for a server connection gives up well within a test's time.
      `query_wait_timeout = ${options.queryWaitTimeout ?? 30}`,
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n'),
  );
  // The password (if the server wants one) is what PgBouncer logs in to the server with.
  writeFileSync(userlist, `"${user}" "${password.replaceAll('"', '""')}"\n`, { mode: 0o600 });

  const runAs = process.getuid?.() === 0 ? ensurePostgresUser() : undefined;
  if (runAs) ownBy(runAs, dir, [ini, userlist]);

  const child = spawn(binary, [ini], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let failure: Error | undefined;
  child.once('error', (error) => (failure = error));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });

  try {
    await waitForPort(port, child, () => failure);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(
      `pgbouncer (${options.poolMode} mode, in front of ${redactUrl(serverUrl)}) did not start: ${(error as Error).message}\n${stderr}`,
      { cause: error },
    );
  }
  return {
    port,
    url(target: string) {
      const parsed = new URL(target);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      parsed.password = '';
      return parsed.toString();
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(force);
    },
  };
}

function ownBy(user: UserIds, dir: string, files: string[]): void {
  chownSync(dir, user.uid, user.gid);
  chmodSync(dir, 0o700);
  for (const file of files) chownSync(file, user.uid, user.gid);
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  failed: () => Error | undefined,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const error = failed();
    if (error) throw error;
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    if (await accepts(port)) return;
    if (Date.now() > deadline) throw new Error(`no answer on port ${port} after ${START_TIMEOUT_MS / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
