import type { SeedError } from '../../errors.js';
import type { S3Action } from './s3-errors.js';

/**
 * Runs one store call with a deadline (and the caller's signal): the signal handed to `fn` aborts
 * when either fires, and whatever `fn` throws is translated into an operator-facing error.
 */
export type WithDeadline = <T>(
  action: S3Action,
  key: string | undefined,
  fn: (abortSignal: AbortSignal) => Promise<T>,
  signal?: AbortSignal,
) => Promise<T>;

export function createWithDeadline(
  timeoutMs: number,
  translate: (
    error: unknown,
    action: S3Action,
    key: string | undefined,
    interruption: 'timeout' | 'cancelled' | null,
  ) => SeedError,
): WithDeadline {
  return async (action, key, fn, signal) => {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const abortSignal = signal ? AbortSignal.any([deadline.signal, signal]) : deadline.signal;
    try {
      return await fn(abortSignal);
    } catch (error) {
      const interruption = signal?.aborted ? 'cancelled' : deadline.signal.aborted ? 'timeout' : null;
      throw translate(error, action, key, interruption);
    } finally {
      clearTimeout(timer);
    }
  };
}
