import { asConnectionLost } from '../db/connection-lost.js';
import { safeErrorMessage } from '../db/describe-pg-error.js';
import { EXIT_CODES, fullStack, ReportedFailure, SeedError, type ErrorCode } from '../errors.js';
import type { Output } from './output.js';

/** Prints a failure (one JSON document under `--json`) and returns the exit code. */
export function reportError(thrown: unknown, out: Output): number {
  const commander = asCommanderError(thrown);
  if (commander) {
    // Help and version are "errors" in commander's exitOverride mode.
    if (commander.exitCode === 0) return 0;
    const message = commander.message.replace(/^error: /, '');
    return print(out, { code: 'USAGE', message }, EXIT_CODES.usage, undefined, true);
  }
  // Commands outside an execution (migrate, history, backups…) meet a lost connection raw.
  const error = asConnectionLost(
    thrown,
    'the command',
    'Whatever it had not committed was rolled back; run it again once the database is reachable.',
  );
  // Its result (e.g. doctor's report) is on stdout already: a second document would break --json.
  if (error instanceof ReportedFailure) return error.exitCode;
  const stack = fullStack(error);
  if (error instanceof SeedError)
    return print(out, { code: error.code, message: error.message, stack }, error.exitCode, error.executionId);
  const message = `Unexpected error: ${safeErrorMessage(error)}. This is a bug in foodfleet-seed; please report it with the command you ran.`;
  // An unexpected error always shows its traceback: the bug report needs it.
  if (!out.json && out.logFormat === 'text' && !out.verbose) out.stderr.write(`${out.redact(stack ?? '')}\n`);
  return print(out, { code: 'OPERATION_FAILED', message, stack }, EXIT_CODES.failed);
}

interface Failure {
  code: ErrorCode;
  message: string;
  /** The full traceback: in the `error` event always, on a terminal with `--verbose`. */
  stack?: string | undefined;
}

function print(
  out: Output,
  { code, message, stack }: Failure,
  exitCode: number,
  executionId?: number,
  alreadyShown = false,
): number {
  const document = {
    success: false,
    error: { code, message },
    ...(executionId !== undefined ? { execution_id: executionId } : {}),
  };
  if (out.json) out.result(document, () => '');
  // Under --log-format json this is the error's only line; in text mode it reaches log sinks only.
  out.event('error', {
    code,
    message,
    ...(executionId !== undefined ? { execution_id: executionId } : {}),
    ...(stack !== undefined ? { stack } : {}),
  });
  if (out.logFormat === 'text' && !alreadyShown) {
    out.stderr.write(`${out.redact(`Error: ${message}`)}\n`);
    out.stack(stack);
  }
  return exitCode;
}

function asCommanderError(error: unknown): { exitCode: number; message: string } | null {
  if (
    error &&
    typeof error === 'object' &&
    'code' in error &&
    typeof (error as { code: unknown }).code === 'string' &&
    (error as { code: string }).code.startsWith('commander.')
  ) {
    return error as unknown as { exitCode: number; message: string };
  }
  return null;
}
