import { ApiError, unauthorized } from '../api-error.js';
import type { Principal } from '../app-env.js';
import { tooManyAttempts } from './login.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';
import { passwordProblem } from './password-policy.js';
import type { UserStore } from './user-store.js';

export interface ChangePasswordDeps {
  users: UserStore;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
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
): Promise<{ detail: string }> {
  const problem = passwordProblem(input.new_password, input.current_password);
  if (problem) throw new ApiError(400, `${problem}. Nothing was changed.`);
  const key = `user:${principal.userId}`;
  const wait = deps.throttle.retryAfter([key]);
  if (wait > 0) throw tooManyAttempts(wait);
  const user = await deps.users.findById(principal.userId);
  if (!user || !(await deps.passwords.compare(input.current_password, user.passwordHash))) {
    deps.throttle.recordFailure([key]);
    throw new ApiError(400, 'current_password is incorrect; nothing was changed.');
  }
  deps.throttle.clear(key);
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

/** The cost in a `$2b$12$…` hash (0 when it is not a bcrypt hash). */
function hashCost(hash: string): number {
  const match = /^\$2[abxy]?\$(\d{2})\$/.exec(hash);
  return match ? Number(match[1]) : 0;
}
