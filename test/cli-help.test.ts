import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, tempDir } from './support/index.js';

/**
 * `--help` / `--version` answer without loading the heavy modules; bare `foodfleet-seed`
 * prints the help. A resolve hook (test/fixtures/hooks) logs every module the CLI resolves; a chunk
 * of the bundle counts as the packages bundled into it.
 */
const HOOK = pathToFileURL(path.join(REPO_ROOT, 'test', 'fixtures', 'hooks', 'record-resolutions.mjs')).href;
const HEAVY = [
  'kysely',
  'pg',
  '@electric-sql/pglite',
  'zod',
  'ora',
  '@aws-sdk/client-s3',
  '@aws-sdk/lib-storage',
  '@aws-sdk/client-cloudwatch-logs',
];
const VERSION = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** Runs the CLI with the resolve hook; returns the result and the packages it resolved. */
async function withResolveLog(args: string[], env: Record<string, string> = {}) {
  const log = path.join(tempDir(), 'resolved.log');
  const result = await runCli(args, { env: { NODE_OPTIONS: `--import=${HOOK}`, RESOLVE_LOG: log, ...env } });
  const urls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  return { result, urls, packages: new Set(urls.flatMap(packagesIn)) };
}

const PACKAGE = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;

/**
 * The packages a resolved module holds: one from node_modules, or, for a chunk of the CLI's bundle
 * (dist/bundle/), every package bundled into it, as the chunk's source map lists its sources.
 */
function packagesIn(url: string): string[] {
  const direct = PACKAGE.exec(url);
  if (direct) return [direct[1]!];
  if (!url.startsWith('file:')) return [];
  const file = fileURLToPath(url);
  if (!file.startsWith(path.join(REPO_ROOT, 'dist', 'bundle')) || !existsSync(`${file}.map`)) return [];
  const { sources } = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
  return sources.flatMap((source) => {
    const match = PACKAGE.exec(`/${source}`);
    return match ? [match[1]!] : [];
  });
}

describe('start-up', () => {
  it('--help loads none of kysely, pg, PGlite, zod, ora or the AWS SDK', async () => {
    const { result, urls, packages } = await withResolveLog(['--help']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Usage: foodfleet-seed');
    expect(urls.length).toBeGreaterThan(0); // the hook saw the CLI's own modules
    expect(packages.has('commander')).toBe(true);
    for (const heavy of HEAVY) expect(packages.has(heavy), heavy).toBe(false);
  });

  it("--version and a command's --help load none of them either", async () => {
    const version = await withResolveLog(['--version']);
    expect(version.result.code).toBe(0);
    expect(version.result.stdout.trim()).toBe(VERSION);
    for (const heavy of HEAVY) expect(version.packages.has(heavy), heavy).toBe(false);

    const runHelp = await withResolveLog(['run', '--help']);
    expect(runHelp.result.code).toBe(0);
    expect(runHelp.result.stdout).toContain('--dry-run');
    for (const heavy of HEAVY) expect(runHelp.packages.has(heavy), heavy).toBe(false);
  });

  it('the hook does see them when a command really runs (control)', async () => {
    const { result, packages } = await withResolveLog(['run'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nowhere',
    });
    expect(result.code).toBe(1);
    for (const loaded of ['zod', 'kysely', 'pg']) expect(packages.has(loaded), loaded).toBe(true);
    // CloudWatch's SDK only with logging.cloudwatch set.
    expect(packages.has('@aws-sdk/client-cloudwatch-logs')).toBe(false);
  });

  it('bare foodfleet-seed prints the help and exits 0', async () => {
    const result = await runCli([]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Usage: foodfleet-seed');
    for (const command of ['run', 'migrate', 'history', 'show', 'make'])
      expect(result.stdout).toMatch(new RegExp(`\\n\\s+${command}\\b`));
  });

  it('--help lists the global options', async () => {
    const result = await runCli(['--help']);
    for (const option of [
      '--config',
      '--json',
      '--log-format',
      '--database-url',
      '--schema',
      '--lock-timeout',
      '--seeders-dir',
    ]) {
      expect(result.stdout).toContain(option);
    }
  });

  it('--help --json still prints the help (no JSON document is owed for help)', async () => {
    const result = await runCli(['--help', '--json']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: foodfleet-seed');
  });
});
