import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

const GNU_TIME = '/usr/bin/time';

/** One finished process: wall time measured here, peak RSS as the kernel reports it. */
export interface TimedRun {
  wallMs: number;
  /** Peak resident set size in kB (`Maximum resident set size` of GNU time -v), null if unknown. */
  peakRssKb: number | null;
  code: number | null;
  /** Killed because it ran past `timeoutMs`. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface TimedOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Folder for GNU time's report file. */
  scratchDir: string;
  timeoutMs?: number;
}

/**
 * Runs `command args` to completion under `/usr/bin/time -v` (report to a file, so the
 * command's own stderr stays clean) and returns its wall time and peak RSS. Without GNU time,
 * falls back to sampling VmHWM from /proc while the process runs (close, not exact).
 */
export async function timedRun(
  command: string,
  args: readonly string[],
  options: TimedOptions,
): Promise<TimedRun> {
  if (!existsSync(GNU_TIME)) return sampledRun(command, args, options);
  const report = path.join(
    options.scratchDir,
    `time-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`,
  );
  try {
    const run = await spawnAndWait(
      GNU_TIME,
      ['-v', '-o', report, command, ...args],
      options,
      () => undefined,
    );
    const text = await readFile(report, 'utf8').catch(() => '');
    const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
    // GNU time reports a signal-killed child as exit status 128+n only in its text.
    const signalled = /Command terminated by signal/.test(text);
    return { ...run, code: signalled ? null : run.code, peakRssKb: match ? Number(match[1]) : null };
  } finally {
    await rm(report, { force: true });
  }
}

async function sampledRun(
  command: string,
  args: readonly string[],
  options: TimedOptions,
): Promise<TimedRun> {
  let peak: number | null = null;
  const run = await spawnAndWait(command, args, options, (pid) => {
    const timer = setInterval(() => {
      void readFile(`/proc/${pid}/status`, 'utf8')
        .then((status) => {
          const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
          if (hwm) peak = Math.max(peak ?? 0, Number(hwm[1]));
        })
        .catch(() => undefined);
    }, 20);
    return () => clearInterval(timer);
  });
  return { ...run, peakRssKb: peak };
}

function spawnAndWait(
  command: string,
  args: readonly string[],
  options: TimedOptions,
  watch: (pid: number) => (() => void) | undefined,
): Promise<Omit<TimedRun, 'peakRssKb'>> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stopWatching = child.pid === undefined ? undefined : watch(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killTree(child.pid);
          }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      stopWatching?.();
      reject(error);
    });
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      clearTimeout(timer);
      stopWatching?.();
      resolve({ wallMs, code, timedOut, stdout, stderr });
    });
  });
}

/**
 * SIGKILLs a process and everything below it. Killing GNU time alone would orphan the measured
 * process (and a hung CLI may not answer SIGTERM), so walk /proc's children lists first.
 */
function killTree(pid: number | undefined): void {
  if (pid === undefined) return;
  for (const child of childrenOf(pid)) killTree(child);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** kB → MB (10^6 bytes), as the bar "≤ 150 MB" is read. */
export function kbToMb(kb: number): number {
  return (kb * 1024) / 1e6;
}
