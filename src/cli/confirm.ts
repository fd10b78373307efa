import { createInterface } from 'node:readline/promises';
import { UsageError } from '../errors.js';
import type { CommandContext } from './context.js';

/**
 * Destructive commands (restore, reset, rollback) need an explicit yes: `--yes`, or typing
 * "yes" at the prompt on a terminal. Anything else changes nothing and exits 2.
 */
export function requireYesOrTerminal(ctx: CommandContext, yes: boolean | undefined, command: string): void {
  if (yes || ctx.stdinIsTTY) return;
  throw new UsageError(
    `${command} replaces data and needs confirmation, but there is no terminal to ask on. Nothing was changed. ` +
      `Re-run with --yes to confirm non-interactively (scripts, CI, cron).`,
    'CONFIRMATION_REQUIRED',
  );
}

/** Asks on the terminal (prompt on stderr, so stdout stays clean for --json); throws unless the answer is "yes". */
export async function confirmOnTerminal(
  ctx: CommandContext,
  yes: boolean | undefined,
  /** Built only when asked: with --yes nothing is formatted (number formatting loads ICU data). */
  question: () => string,
): Promise<void> {
  if (yes) return;
  const rl = createInterface({
    input: process.stdin,
    output: ctx.out.stderr as NodeJS.WritableStream,
    terminal: true,
  });
  let answer = '';
  try {
    answer = await rl.question(`${ctx.out.redact(question())}\nType "yes" to continue: `, {
      signal: ctx.signal,
    });
  } catch {
    answer = '';
  } finally {
    rl.close();
  }
  if (answer.trim().toLowerCase() !== 'yes') {
    throw new UsageError('Not confirmed: nothing was changed.', 'CONFIRMATION_REQUIRED');
  }
}
