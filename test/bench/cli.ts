import { fileURLToPath } from 'node:url';
import { timedRun, type TimedRun } from './rss.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where a CLI run happens: which build, its folder (with seedrc.json), a scratch folder for GNU time. */
export interface CliPlace {
  /** bin/foodfleet-seed.js of the snapshot being measured (snapshot.ts). */
  bin: string;
  cwd: string;
  scratchDir: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The environment every measured process starts from: nothing inherited but PATH/HOME/TMPDIR,
 * so the developer's own DATABASE_URL or AWS settings never leak into a figure.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    NO_COLOR: '1',
    // Stay on loopback: no EC2 metadata probe, no Node-version warning on stderr.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

/**
 * cleanEnv plus the shell's own Node start-up variables (NODE_OPTIONS, NODE_EXTRA_CA_CERTS, …).
 * Issue 13 takes the whole-command ratios against `node -e 0` timed from a shell, where Node reads
 * these at every start: on the reference machine NODE_EXTRA_CA_CERTS alone costs ≈ 35 ms per
 * process (`node -e 0`: ≈ 60 ms with it, ≈ 22 ms without). Both sides of a ratio get the same.
 */
export function shellNodeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...cleanEnv(extra), ...Object.fromEntries(shellNodeEntries()) };
}

/** The shell's Node start-up variables by name, for the report (values can be paths; names suffice). */
export function shellNodeVariables(): string[] {
  return shellNodeEntries()
    .map(([key]) => key)
    .sort();
}

const shellNodeEntries = () => Object.entries(process.env).filter(([key]) => key.startsWith('NODE_'));

/** `node bin/foodfleet-seed.js …args` under GNU time, killed after `timeoutMs`. */
export function runFoodfleet(args: readonly string[], place: CliPlace, timeoutMs: number): Promise<TimedRun> {
  return timedRun(process.execPath, [place.bin, ...args], { ...place, timeoutMs });
}

/** The subcommands `foodfleet-seed --help` lists (how the harness knows backup/restore have landed). */
export async function cliCommands(bin: string, scratchDir: string): Promise<Set<string>> {
  const run = await timedRun(process.execPath, [bin, '--help'], {
    cwd: REPO_ROOT,
    env: cleanEnv(),
    scratchDir,
    timeoutMs: 60_000,
  });
  if (run.code !== 0)
    throw new Error(
      `foodfleet-seed --help exited ${run.code}: ${firstLine(run.stderr)} (did \`npm run build\` pass?)`,
    );
  const section = run.stdout.split(/^Commands:\s*$/m)[1] ?? '';
  return new Set([...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!));
}

/** The text for a comparison whose command has not landed yet. */
export function notAvailable(command: string): string {
  return `command not available yet: \`foodfleet-seed ${command}\` is not listed by \`foodfleet-seed --help\``;
}

/** Throws a one-line error unless the run exited 0. */
export function expectSuccess(run: TimedRun, what: string): void {
  if (run.timedOut)
    throw new Error(
      `${what} did not finish within its time limit and was killed (${(run.wallMs / 1000).toFixed(0)} s); last output: ${lastLine(run.stderr) || lastLine(run.stdout) || '(none)'}`,
    );
  if (run.code === 0) return;
  const json = tryJson<{ error?: { message?: string } }>(run.stdout);
  const message = json?.error?.message ?? (firstLine(run.stderr) || firstLine(run.stdout) || '(no output)');
  throw new Error(`${what} exited ${run.code ?? 'by a signal'}: ${message}`);
}

/** stdout as the one JSON document `--json` promises. */
export function jsonOutput<T>(run: TimedRun, what: string): T {
  const json = tryJson<T>(run.stdout);
  if (json === undefined)
    throw new Error(`${what} --json did not print one JSON document: ${firstLine(run.stdout) || '(empty)'}`);
  return json;
}

function tryJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.slice(0, 300) ?? '';
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 300) ?? '';
}
