import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { tempDir } from './temp-dir.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI_BIN = path.join(REPO_ROOT, 'bin', 'foodfleet-seed.js');

export interface CliOptions {
  /** Working directory; defaults to a fresh empty temp dir. */
  cwd?: string;
  /** Added to the clean environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed (it is closed right away without input). */
  input?: string | Buffer;
  /** SIGKILL the process after this long (runCli default 45s; startCli: none). */
  timeoutMs?: number;
}

export interface CliResult {
  /** Exit code, or null when ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** stdout parsed as exactly one JSON document (throws with the output otherwise). */
  json<T = unknown>(): T;
}

export interface CliProcess {
  child: ChildProcess;
  /** Output captured so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the first complete line of `stream` matching `match`, already printed or future. */
  waitForLine(stream: 'stdout' | 'stderr', match: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited. */
  done: Promise<CliResult>;
  /** Sends `signal` (default SIGTERM) unless already exited, then waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<CliResult>;
}

const running = new Set<ChildProcess>();

/** The environment every CLI run starts from: nothing inherited but PATH/HOME/TMPDIR. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NO_COLOR: '1',
    // Never let the AWS SDK probe the EC2 metadata endpoint (tests stay on 127.0.0.1).
    AWS_EC2_METADATA_DISABLED: 'true',
    // Keep stderr deterministic: no "AWS SDK will require node >=22" warning on Node 20.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs `node bin/foodfleet-seed.js ...args` to completion. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return startCli(args, { timeoutMs: 45_000, ...opts }).done;
}

/** Starts the CLI and returns its handle (for concurrency, kill and server tests). */
export function startCli(args: string[], opts: CliOptions = {}): CliProcess {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: opts.cwd ?? tempDir('foodfleet-cli-'),
    env: cleanEnv(opts.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out.stderr += chunk));
  child.stdin.on('error', () => undefined); // EPIPE when the CLI exits without reading
  child.stdin.end(opts.input);

  let timedOut = false;
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs);

  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve(makeResult(code, signal, timedOut, out.stdout, out.stderr));
    });
  });

  return {
    child,
    output: () => ({ ...out }),
    waitForLine: (stream, match, timeoutMs = 30_000) =>
      waitForLine(child, out, done, stream, match, timeoutMs),
    done,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return done;
    },
  };
}

function makeResult(
  code: number | null,
  signal: NodeJS.Signals | null,
  timedOut: boolean,
  stdout: string,
  stderr: string,
): CliResult {
  return {
    code,
    signal,
    timedOut,
    stdout,
    stderr,
    json<T>(): T {
      try {
        return JSON.parse(stdout) as T;
      } catch (error) {
        throw new Error(
          `CLI stdout is not exactly one JSON document (${(error as Error).message}).\n` +
            `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
        );
      }
    },
  };
}

function waitForLine(
  child: ChildProcess,
  out: { stdout: string; stderr: string },
  done: Promise<CliResult>,
  stream: 'stdout' | 'stderr',
  match: string | RegExp,
  timeoutMs: number,
): Promise<string> {
  const matches = (line: string) => (typeof match === 'string' ? line.includes(match) : match.test(line));
  const source = child[stream];
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      source?.off('data', check);
      settle();
    };
    const check = () => {
      const line = out[stream].split('\n').slice(0, -1).find(matches); // complete lines only
      if (line !== undefined) finish(() => resolve(line));
    };
    const onExit = () => {
      const line = out[stream].split('\n').find(matches); // the last line may lack "\n"
      finish(() =>
        line !== undefined
          ? resolve(line)
          : reject(new Error(`CLI exited before printing ${String(match)} on ${stream}.\n${dump(out)}`)),
      );
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(new Error(`No ${String(match)} on ${stream} after ${timeoutMs}ms.\n${dump(out)}`)),
        ),
      timeoutMs,
    );
    source?.on('data', check);
    done.then(onExit, onExit);
    check();
  });
}

function dump(out: { stdout: string; stderr: string }): string {
  return `--- stdout ---\n${out.stdout}\n--- stderr ---\n${out.stderr}`;
}

try {
  afterAll(() => {
    for (const child of running) child.kill('SIGKILL');
  });
} catch {
  // imported outside a vitest test file
}
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
