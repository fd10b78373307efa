import { safeErrorMessage, safeErrorStack } from '../db/describe-pg-error.js';
import { EXIT_CODES, ReportedFailure, SeedError, type ErrorCode } from '../errors.js';
import type { Output } from './output.js';

/** Prints a failure (one JSON document under `--json`) and returns the exit code. */
export function reportError(error: unknown, out: Output): number {
  const commander = asCommanderError(error);
  if (commander) {
    // Help and version are "errors" in commander's exitOverride mode.
    if (commander.exitCode === 0) return 0;
    return print(out, 'USAGE', commander.message.replace(/^error: /, ''), EXIT_CODES.usage, undefined, true);
  }
  // Its result (e.g. doctor's report) is on stdout already: a second document would break --json.
  if (error instanceof ReportedFailure) return error.exitCode;
  if (error instanceof SeedError)
    return print(out, error.code, error.message, error.exitCode, error.executionId);
  const message = `Unexpected error: ${safeErrorMessage(error)}. This is a bug in foodfleet-seed; please report it with the command you ran.`;
  if (!out.json && out.logFormat === 'text') out.stderr.write(`${out.redact(safeErrorStack(error) ?? '')}\n`);
  return print(out, 'OPERATION_FAILED', message, EXIT_CODES.failed);
}

function print(
  out: Output,
  code: ErrorCode,
  message: string,
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
  });
  if (out.logFormat === 'text' && !alreadyShown) out.stderr.write(`${out.redact(`Error: ${message}`)}\n`);
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
