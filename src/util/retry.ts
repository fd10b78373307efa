import { sleep } from './sleep.js';

export interface RetryLimits {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wall-clock budget for all of them; an attempt still running at the end is abandoned. */
  withinMs: number;
}

/**
 * Runs `attempt` until it resolves, at most `attempts` times within `withinMs`, pausing a little
 * longer before each retry; rejects with the last error. An abandoned attempt keeps running in
 * the background, so `attempt` must be safe to complete late (an idempotent write, a read).
 */
export async function retryWithin<T>(limits: RetryLimits, attempt: (n: number) => Promise<T>): Promise<T> {
  const deadline = Date.now() + limits.withinMs;
  let last: unknown = new Error(`no attempt fitted in ${limits.withinMs} ms`);
  for (let n = 1; n <= limits.attempts; n++) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    try {
      return await bounded(attempt(n), left);
    } catch (error) {
      last = error;
    }
    if (n < limits.attempts) await sleep(Math.min(250 * 2 ** (n - 1), Math.max(0, deadline - Date.now())));
  }
  throw last;
}

async function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  work.catch(() => undefined); // an abandoned attempt's late failure is nobody's concern
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)),
  );
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
