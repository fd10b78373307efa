import { ApiError } from '../api-error.js';
import type { ChecksInFlight } from './checks-in-flight.js';
import type { Budget, LoginThrottle, Reservation } from './login-throttle.js';

export interface AttemptGuards {
  throttle: LoginThrottle;
  checks: ChecksInFlight;
}

/**
 * One password check under both guards: a slot of the client address (at most a few at a time)
 * and a failure reserved on every budget *before* the check. `check` releases the reservation
 * when the password is right; otherwise the failure stays counted.
 */
export function guardedAttempt<T>(
  guards: AttemptGuards,
  client: string,
  budgets: readonly Budget[],
  check: (reservation: Reservation) => Promise<T>,
): Promise<T> {
  return guards.checks.run(client, async () => check(await reserveOrRefuse(guards.throttle, budgets)));
}

/** Counts a failure on every budget (an attempt that is refused for its input still costs one). */
export async function reserveOrRefuse(
  throttle: LoginThrottle,
  budgets: readonly Budget[],
): Promise<Reservation> {
  const result = await throttle.reserve(budgets);
  if ('retryAfterSeconds' in result) throw tooManyAttempts(result.retryAfterSeconds);
  return result;
}

function tooManyAttempts(retryAfterSeconds: number): ApiError {
  return new ApiError(
    429,
    `Too many failed attempts; nothing was checked. Wait ${retryAfterSeconds} s before trying again.`,
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

/** The failure budgets of a login for `email` from `client` (emails compare case-insensitively). */
export function loginBudgets(
  throttle: LoginThrottle,
  email: string,
  client: string,
): { budgets: Budget[]; emailKey: string } {
  const account = email.trim().toLowerCase();
  const { maxFailures, maxFailuresPerAddress } = throttle.options;
  const emailKey = `login:email:${account}`;
  return {
    emailKey,
    budgets: [
      { key: `login:pair:${account}\n${client}`, limit: maxFailures },
      { key: `login:address:${client}`, limit: maxFailuresPerAddress },
      // Per account only a count (it slows attempts down): a hard limit would let anyone lock
      // the super-admin out from addresses that are not theirs.
      { key: emailKey, limit: null },
    ],
  };
}
