import { Hono } from 'hono';
import { unauthorized } from '../api-error.js';
import { clientAddress, principalOf, type AppEnv } from '../app-env.js';
import { authenticate, type AuthenticateDeps } from '../auth/authenticate.js';
import { changePassword, type ChangePasswordDeps } from '../auth/change-password.js';
import { login, type LoginDeps } from '../auth/login.js';
import { loginBudgets, reserveOrRefuse } from '../auth/password-attempt.js';
import { readJsonBody } from '../input.js';
import { loginBody, passwordChangeBody } from '../schemas.js';

export type AuthRouteDeps = LoginDeps & ChangePasswordDeps & AuthenticateDeps;

/** `POST /api/v1/auth/login`, `POST /api/v1/auth/password/change` and `GET /api/v1/auth/me`. */
export function authRoutes(deps: AuthRouteDeps): Hono<AppEnv> {
  return (
    new Hono<AppEnv>()
      .post('/login', async (c) => {
        const client = clientAddress(c, deps.trustProxy);
        // A NUL or broken UTF-8 in a login is refused with 400, and still costs a failed attempt:
        // otherwise it would be a free, unthrottled probe.
        const body = await readJsonBody(c, loginBody, async (value) => {
          const email = (value as { email?: unknown } | null)?.email;
          const { budgets } = loginBudgets(deps.throttle, typeof email === 'string' ? email : '', client);
          await reserveOrRefuse(deps.throttle, budgets);
        });
        return c.json(await login(deps, body, client));
      })
      .post('/password/change', authenticate(deps), async (c) => {
        const body = await readJsonBody(c, passwordChangeBody);
        return c.json(await changePassword(deps, principalOf(c), body, clientAddress(c, deps.trustProxy)));
      })
      // No permission needed, and a token that may only change the password may ask too: it is
      // how such a client learns that it must.
      .get('/me', authenticate(deps), async (c) => {
        const principal = principalOf(c);
        const profile = await deps.users.profile(principal.userId);
        if (!profile) throw unauthorized("This token's user no longer exists: log in again.");
        return c.json({ ...profile, must_change_password: principal.scope === 'password_change' });
      })
  );
}
