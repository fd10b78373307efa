import { Hono } from 'hono';
import { clientAddress, principalOf, type AppEnv } from '../app-env.js';
import { authenticate, type AuthenticateDeps } from '../auth/authenticate.js';
import { changePassword, type ChangePasswordDeps } from '../auth/change-password.js';
import { login, type LoginDeps } from '../auth/login.js';
import { readJsonBody } from '../input.js';
import { loginBody, passwordChangeBody } from '../schemas.js';

export type AuthRouteDeps = LoginDeps & ChangePasswordDeps & AuthenticateDeps;

/** `POST /api/v1/auth/login` and `POST /api/v1/auth/password/change`. */
export function authRoutes(deps: AuthRouteDeps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .post('/login', async (c) => {
      const body = await readJsonBody(c, loginBody);
      return c.json(await login(deps, body, clientAddress(c, deps.trustProxy)));
    })
    .post('/password/change', authenticate(deps), async (c) => {
      const body = await readJsonBody(c, passwordChangeBody);
      return c.json(await changePassword(deps, principalOf(c), body));
    });
}
