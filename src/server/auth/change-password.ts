import { ApiError, unauthorized } from '../api-error.js';
import type { Principal } from '../app-env.js';
import { hashCost } from './hash-cost.js';
import { guardedAttempt, type AttemptGuards } from './password-attempt.js';
import type { PasswordHasher } from './password-hasher.js';
import { MAX_PASSWORD_BYTES, passwordProblem } from './password-policy.js';
import type { UserStore } from './user-store.js';

export interface ChangePasswordDeps extends AttemptGuards {
  users: UserStore;
  passwords: PasswordHasher;
  bcryptCost: number;
}

/**
 * Checks the current password, stores a bcrypt hash of the new one and bumps token_version in the
 * same statement, so every token issued before — including the caller's — stops working.
 */
export async function changePassword(
  deps: ChangePasswordDeps,
  principal: Principal,
  input: { current_password: string; new_password: string },
  client: string,
): Promise<{ detail: string }> {
  const problem = passwordProblem(input.new_password, input.current_password);
  if (problem) throw new ApiError(400, `${problem}. Nothing was changed.`);
  const { maxFailures, maxFailuresPerAddress } = deps.throttle.options;
  const budgets = [
    // Per account a hard limit here: only a holder of the account's token can spend it.
    { key: `password-change:user:${principal.userId}`, limit: maxFailures },
    { key: `password-change:address:${client}`, limit: maxFailuresPerAddress },
  ];
  const user = await guardedAttempt(deps, client, budgets, async (reservation) => {
    const found = await deps.users.findById(principal.userId);
    const tooLong = Buffer.byteLength(input.current_password, 'utf8') > MAX_PASSWORD_BYTES;
    if (!found || tooLong || !(await deps.passwords.compare(input.current_password, found.passwordHash)))
      throw new ApiError(400, 'current_password is incorrect; nothing was changed.');
    await reservation.release();
    return found;
  });
  // Never lower a user's cost: uniform costs keep an unknown email's answer as slow as a real one.
  const hash = await deps.passwords.hash(
    input.new_password,
    Math.max(deps.bcryptCost, hashCost(user.passwordHash)),
  );
  if (!(await deps.users.changePassword(user.id, principal.tokenVersion, hash))) {
    throw unauthorized(
      'The password was changed by another request meanwhile; nothing was changed by this one. Log in again.',
    );
  }
  return {
    detail:
      'Password changed. Every token issued before now, including this one, has stopped working: log in again with the new password.',
  };
}
