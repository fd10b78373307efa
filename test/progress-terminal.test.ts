import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanEnv, freshDatabase, tempDir, type FreshDatabase } from './support/index.js';

/**
 * On a terminal, backup and restore show per table `rows / ≈total (pct) · bytes · time left`.
 * The CLI runs under a real pseudo-terminal (`script` from util-linux) 120 columns wide, as an
 * operator's shell would run it; without one it prints no progress (cli-run and backup tests).
 */
let db: FreshDatabase;
const backupDir = tempDir('foodfleet-progress-backups-');

beforeAll(async () => {
  db = await freshDatabase('progress');
  // Large enough that the backup and the restore each last several spinner frames.
  await db.query(
    `create table orders (id bigint primary key, note text not null);
     insert into orders select n, repeat(md5(n::text), 4) from generate_series(1, 400000) n;
     analyze orders`,
  );
});

afterAll(async () => {
  await db?.close();
});

/** Runs the CLI under a pseudo-terminal; resolves with its exit code and everything it drew. */
function onTerminal(args: string[]): Promise<{ code: number | null; screen: string }> {
  const command = ['stty cols 120 rows 40;', 'exec', process.execPath, CLI_BIN, ...args]
    .map((word) => (word.endsWith(';') ? word : `'${word}'`))
    .join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd: tempDir('foodfleet-progress-'),
    env: cleanEnv({
      DATABASE_URL: db.url,
      SEED_BACKUP_DIR: backupDir,
      NO_COLOR: undefined,
      TERM: 'xterm-256color',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

describe('progress on a terminal', () => {
  it('backup: rows / ≈estimate (pct) · bytes written, from the catalog estimate', async () => {
    const { code, screen } = await onTerminal(['backup']);
    expect(code, screen).toBe(0);
    expect(screen).toMatch(
      /Backing up orders: [\d,]+ \/ ≈[\d,]+ rows \(\d{1,3}%\) · [\d.]+ (B|KiB|MiB) written/,
    );
  });

  it('restore: rows / exact total from the manifest (pct) · bytes read', async () => {
    const { code, screen } = await onTerminal(['restore', '--yes', '--no-backup']);
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/Restoring orders: [\d,]+ \/ 400,000 rows \(\d{1,3}%\) · [\d.]+ (B|KiB|MiB) read/);
  });
});
