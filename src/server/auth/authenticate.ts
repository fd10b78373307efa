import type { MiddlewareHandler } from 'hono';
import { forbidden, unauthorized } from '../api-error.js';
import { principalOf, type AppEnv } from '../app-env.js';
import type { TokenService } from './tokens.js';
import type { UserStore } from './user-store.js';

export interface AuthenticateDeps {
  tokens: TokenService;
  users: UserStore;
}

const LOGIN_HINT = 'log in again (POST /api/v1/auth/login)';

/**
 * Verifies the bearer token, then the user behind it: still there, still active, and with the
 * token_version the token was issued under (a password change bumps it, ending older tokens).
 */
export function authenticate({ tokens, users }: AuthenticateDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header)
      throw unauthorized(
        'Missing bearer token: send `Authorization: Bearer <access_token>` from POST /api/v1/auth/login.',
        false,
      );
    const match = /^Bearer[ ]+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(header);
    if (!match)
      throw unauthorized('Malformed Authorization header: expected `Authorization: Bearer <access_token>`.');
    const claims = await tokens.verify(match[1] as string);
    const user = await users.findById(claims.userId);
    if (!user)
      throw unauthorized(`This token's user no longer exists: ${LOGIN_HINT} with an existing account.`);
    if (user.tokenVersion !== claims.version)
      throw unauthorized(
        `This token was issued before the password was changed and no longer works: ${LOGIN_HINT}.`,
      );
    if (!user.isActive)
      throw unauthorized(
        'This account is deactivated: its tokens no longer work. Ask an administrator to reactivate it.',
      );
    c.set('principal', { userId: user.id, scope: claims.scope, tokenVersion: user.tokenVersion });
    await next();
  };
}

/** 403 unless the caller's roles grant `permission` (read from the database on each request). */
export function requirePermission(users: UserStore, permission: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = principalOf(c);
    if (principal.scope === 'password_change') {
      throw forbidden(
        'This account still uses the published default password, so in production its token can only change the password. ' +
          'POST /api/v1/auth/password/change with {"current_password", "new_password"}, then log in again.',
      );
    }
    const granted = await users.permissions(principal.userId);
    if (!granted.has(permission)) {
      throw forbidden(
        `This needs the ${permission} permission, which none of your roles grants; nothing was done. Ask a superadmin for a role that has it (superadmin and admin do).`,
      );
    }
    await next();
  };
}
