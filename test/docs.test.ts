import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_DOCS_PATH, documentedCommandPaths, renderCliDocs } from './support/cli-docs.js';
import { REPO_ROOT, runCli } from './support/index.js';

/**
 * The docs a newcomer reads stay true: docs/cli.md is what the commander program generates and
 * what the real CLI prints for `--help`; README stays an entry point (≤ 20 KB) that keeps the two
 * set-up commands; every relative link in README and docs/ points at a file that exists.
 */
const README = path.join(REPO_ROOT, 'README.md');
const read = (relative: string) => readFileSync(path.join(REPO_ROOT, relative), 'utf8');

describe('docs/cli.md', () => {
  it('is the generated command reference (not stale)', async () => {
    const expected = await renderCliDocs();
    const actual = read(CLI_DOCS_PATH);
    if (actual !== expected) {
      const [want, have] = [expected.split('\n'), actual.split('\n')];
      const line = want.findIndex((text, i) => text !== have[i]);
      expect.fail(
        `${CLI_DOCS_PATH} is stale: run npm run docs:cli (first difference at line ${line + 1}: ` +
          `expected ${JSON.stringify(want[line] ?? '')}, found ${JSON.stringify(have[line] ?? '')})`,
      );
    }
  });

  it("holds each command's real --help, as the CLI prints it", async () => {
    const doc = read(CLI_DOCS_PATH);
    const paths = await documentedCommandPaths();
    // The program itself, every command and the backups subcommands.
    expect(paths.map((words) => words.join(' '))).toEqual(
      expect.arrayContaining(['', 'run', 'restore', 'serve', 'backups', 'backups verify', 'backups prune']),
    );
    for (const words of paths) {
      const result = await runCli([...words, '--help']);
      expect(result.code, result.stderr).toBe(0);
      const block = `\`\`\`text\n${result.stdout.trimEnd()}\n\`\`\``;
      expect(doc.includes(block), `${CLI_DOCS_PATH} lacks the --help of "${words.join(' ')}"`).toBe(true);
    }
  });
});

describe('README', () => {
  it('is at most 20 KB', () => {
    expect(statSync(README).size).toBeLessThanOrEqual(20_000);
  });

  it('keeps the set-up commands exactly as CI runs them', () => {
    const readme = read('README.md');
    expect(readme).toContain('```sh\nnpm ci && npx foodfleet-seed run\n```');
    expect(readme).toContain('```sh\nnpm test\n```');
  });

  it('links only to files that exist (README and docs/)', () => {
    const files = ['README.md', ...markdownUnder('docs')];
    const broken: string[] = [];
    for (const file of files) {
      for (const [, target] of read(file).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue; // https:, mailto:
        const resolved = path.resolve(REPO_ROOT, path.dirname(file), target!);
        if (!existsSync(resolved)) broken.push(`${file} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

function markdownUnder(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(dir, name));
}
