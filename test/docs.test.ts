import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_DOCS_PATH, documentedCommandPaths, renderCliDocs } from './support/cli-docs.js';
import { REPO_ROOT, runCli } from './support/index.js';

/**
 * The docs a newcomer reads stay true: docs/cli.md is what the commander program generates and
 * what the real CLI prints for `--help`.
 */
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
