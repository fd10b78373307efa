import { DEFAULT_SUPERADMIN_PASSWORD } from '../../../seeds/catalog.js';
import { ApiError, unauthorized } from '../api-error.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';
import type { TokenService } from './tokens.js';
import type { UserStore } from './user-store.js';

export interface LoginDeps {
  users: UserStore;
  passwords: PasswordHasher;
  tokens: TokenService;
  throttle: LoginThrottle;
  dummyHash: () => Promise<string>;
  production: boolean;
  /** Read the client address from X-Forwarded-For (`server.trustProxy`). */
  trustProxy: boolean;
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
 * same time; failures are throttled per email and per client address.
 */
export async function login(
  deps: LoginDeps,
  input: { email: string; password: string },
  client: string,
): Promise<LoginResponse> {
  const emailKey = `email:${input.email.toLowerCase()}`;
  const keys = [emailKey, `client:${client}`];
  const wait = deps.throttle.retryAfter(keys);
  if (wait > 0) throw tooManyAttempts(wait);
  const user = await deps.users.findByEmail(input.email);
  const matches = await deps.passwords.compare(
    input.password,
    user?.passwordHash ?? (await deps.dummyHash()),
  );
  if (!user || !matches) {
    deps.throttle.recordFailure(keys);
    throw unauthorized(REFUSED, false);
  }
  if (!user.isActive)
    throw unauthorized(
      'This account is deactivated; no token was issued. Ask an administrator to reactivate it.',
      false,
    );
  deps.throttle.clear(emailKey);
  const usesDefault = input.password === DEFAULT_SUPERADMIN_PASSWORD;
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

export function tooManyAttempts(retryAfterSeconds: number): ApiError {
  return new ApiError(
    429,
    `Too many failed attempts; nothing was checked. Wait ${retryAfterSeconds} s before trying again.`,
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

function defaultPasswordWarning(production: boolean): string {
  return production
    ? 'This account uses the published default password: in production this token can only change it. POST /api/v1/auth/password/change, then log in again.'
    : 'This account uses the published default password: change it now with POST /api/v1/auth/password/change (in production its token could do nothing else).';
}
