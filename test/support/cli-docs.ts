import type { Command } from 'commander';

/**
 * The built program (dist/), the one `foodfleet-seed` runs: program.ts finds package.json (for
 * `--version`) relative to its built location, so the source cannot be imported as it is.
 */
const PROGRAM_URL = new URL('../../dist/src/cli/program.js', import.meta.url);

/**
 * The width commander wraps help to when stdout is not a terminal (its default): pinned here so
 * docs/cli.md is the same on every machine and equals what `foodfleet-seed … --help | cat` prints.
 */
const HELP_WIDTH = 80;

/** Where docs/cli.md lives, relative to the repository root. */
export const CLI_DOCS_PATH = 'docs/cli.md';

/** The commander program, configured for documentation only: fixed width, no colours, never run. */
async function documentedProgram(): Promise<Command> {
  const { buildProgram } = (await import(PROGRAM_URL.href)) as typeof import('../../src/cli/program.js');
  return buildProgram(
    () => {
      throw new Error('The documentation program only renders help; it never runs a command.');
    },
    { getOutHelpWidth: () => HELP_WIDTH, getOutHasColors: () => false },
  );
}

/** The program and every command below it, parents before children, in declaration order. */
function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

/** The words after `foodfleet-seed` that reach a command, e.g. `['backups', 'prune']`. */
function commandPath(command: Command): string[] {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent; current = current.parent)
    names.unshift(current.name());
  return names;
}

/** Each documented command's path (the program itself is `[]`): what a test runs `--help` on. */
export async function documentedCommandPaths(): Promise<string[][]> {
  return allCommands(await documentedProgram()).map(commandPath);
}

/** docs/cli.md: the top-level `--help`, then one section per command with its `--help` verbatim. */
export async function renderCliDocs(): Promise<string> {
  const program = await documentedProgram();
  const sections = allCommands(program).map((command) => {
    const title = ['foodfleet-seed', ...commandPath(command)].join(' ');
    return `## ${title}\n\n\`\`\`text\n${command.helpInformation().trimEnd()}\n\`\`\`\n`;
  });
  return [
    '# Command-line reference',
    '',
    '<!-- Generated from src/cli/program.ts by `npm run docs:cli`: do not edit by hand. -->',
    '',
    `Each section is exactly what \`foodfleet-seed … --help\` prints when its output is not a terminal`,
    `(${HELP_WIDTH} columns; on a terminal the same text is wrapped to the window). Global options go`,
    'before or after the command. Exit codes, output formats and configuration are in the',
    '[README](../README.md); the HTTP API is in [http-api.md](http-api.md).',
    '',
    ...sections,
  ].join('\n');
}
