import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_SUPERADMIN_PASSWORD } from '../../../seeds/catalog.js';
import { unauthorized } from '../api-error.js';
import { hashCost } from './hash-cost.js';
import type { LoginThrottle } from './login-throttle.js';
import { guardedAttempt, loginBudgets, type AttemptGuards } from './password-attempt.js';
import type { PasswordHasher } from './password-hasher.js';
import { MAX_PASSWORD_BYTES } from './password-policy.js';
import type { TokenService } from './tokens.js';
import type { UserStore } from './user-store.js';

export interface LoginDeps extends AttemptGuards {
  users: UserStore;
  passwords: PasswordHasher;
  tokens: TokenService;
  throttle: LoginThrottle;
  dummyHash: () => Promise<string>;
  /** `server.bcryptCost`: a correct password stored at a lower cost is rehashed to it. */
  bcryptCost: number;
  production: boolean;
  /** Proxies in front whose X-Forwarded-For entries are trusted (`server.trustProxy`). */
  trustProxy: number;
}

export interface LoginResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  warning?: string;
}

const REFUSED = 'Incorrect email or password; nothing was changed.';

/**
 * Email + password → token. An unknown email and a wrong password get the same answer in about the
 * same time (one bcrypt cost for all); a failure is counted before the password is checked.
 */
export async function login(
  deps: LoginDeps,
  input: { email: string; password: string },
  client: string,
): Promise<LoginResponse> {
  const { budgets, emailKey } = loginBudgets(deps.throttle, input.email, client);
  return guardedAttempt(deps, client, budgets, async (reservation) => {
    const { slowdownAfter, slowdownSeconds } = deps.throttle.options;
    if ((reservation.counts.get(emailKey) ?? 0) > slowdownAfter) await sleep(slowdownSeconds * 1000);
    // bcrypt reads 72 bytes: longer would log in with any suffix after the right prefix.
    if (Buffer.byteLength(input.password, 'utf8') > MAX_PASSWORD_BYTES) throw unauthorized(REFUSED, false);
    const user = await deps.users.findByEmail(input.email);
    const matches = await deps.passwords.compare(
      input.password,
      user?.passwordHash ?? (await deps.dummyHash()),
    );
    if (!user || !matches) throw unauthorized(REFUSED, false);
    await reservation.release();
    if (!user.isActive)
      throw unauthorized(
        'This account is deactivated; no token was issued. Ask an administrator to reactivate it.',
        false,
      );
    if (hashCost(user.passwordHash) < deps.bcryptCost) {
      // Upward only: every stored hash converges on one cost, the dummy hash's.
      const hash = await deps.passwords.hash(input.password, deps.bcryptCost);
      await deps.users.rehash(user.id, user.passwordHash, hash);
    }
    return issueToken(deps, user, input.password === DEFAULT_SUPERADMIN_PASSWORD);
  });
}

async function issueToken(
  deps: LoginDeps,
  user: { id: number; tokenVersion: number },
  usesDefault: boolean,
): Promise<LoginResponse> {
  const scope = usesDefault && deps.production ? 'password_change' : 'full';
  const { token, expiresIn } = await deps.tokens.issue({
    userId: user.id,
    version: user.tokenVersion,
    scope,
  });
  const response: LoginResponse = { access_token: token, token_type: 'bearer', expires_in: expiresIn };
  if (usesDefault) response.warning = defaultPasswordWarning(deps.production);
  return response;
}

function defaultPasswordWarning(production: boolean): string {
  return production
    ? 'This account uses the published default password: in production this token can only change it. POST /api/v1/auth/password/change, then log in again.'
    : 'This account uses the published default password: change it now with POST /api/v1/auth/password/change (in production its token could do nothing else).';
}
