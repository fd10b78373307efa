import { Hono } from 'hono';
import type { Database } from '../db/database.js';
import type { AppEnv } from './app-env.js';
import type { Clock } from './clock.js';
import type { ServerLogger } from './logger.js';
import type { Operations } from './operations.js';
import { dummyHashSource } from './auth/dummy-hash.js';
import { LoginThrottle, type ThrottleOptions } from './auth/login-throttle.js';
import type { PasswordHasher } from './auth/password-hasher.js';
import { TokenService } from './auth/tokens.js';
import { UserStore } from './auth/user-store.js';
import { createErrorHandler } from './error-handler.js';
import { limitBody } from './input.js';
import { requestLog } from './request-log.js';
import { authRoutes } from './routes/auth.js';
import { healthRoutes } from './routes/health.js';
import { seederRoutes } from './routes/seeders.js';

/** Settings the app reads, already resolved from the config (`server.*`, NODE_ENV). */
export interface AppSettings {
  /** NODE_ENV=production: a default-password token can only change the password. */
  production: boolean;
  /** HS256 signing key. */
  tokenSecret: Uint8Array;
  /** Token lifetime in seconds (`server.tokenLifetime`). */
  tokenLifetime: number;
  /** bcrypt cost for new password hashes (`server.bcryptCost`). */
  bcryptCost: number;
  /** Behind a reverse proxy: the client address comes from X-Forwarded-For (`server.trustProxy`). */
  trustProxy?: boolean;
  /** Login throttling (default 5 failures per 15 minutes, per email and per client address). */
  throttle?: ThrottleOptions;
  /** Masks known secrets in error details (default: unchanged). */
  redact?: (text: string) => string;
}

export interface AppDeps {
  database: Database;
  operations: Operations;
  passwords: PasswordHasher;
  clock: Clock;
  logger: ServerLogger;
  config: AppSettings;
}

/**
 * The admin API as a value: no port, no process state. `serve` hands it to a Node HTTP server;
 * tests drive it over loopback with their own database, operations and clock.
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config, clock, passwords } = deps;
  const users = new UserStore(deps.database);
  const tokens = new TokenService({
    secret: config.tokenSecret,
    lifetimeSeconds: config.tokenLifetime,
    clock,
  });
  const throttle = new LoginThrottle(clock, config.throttle);
  const dummyHash = dummyHashSource(users, passwords, config.bcryptCost);
  const auth = {
    users,
    tokens,
    passwords,
    throttle,
    dummyHash,
    production: config.production,
    bcryptCost: config.bcryptCost,
    trustProxy: config.trustProxy ?? false,
  };

  // Not strict: the guide calls both /api/v1/seeders/ and /api/v1/seeders.
  return new Hono<AppEnv>({ strict: false })
    .use('*', requestLog(deps.logger))
    .use('*', limitBody)
    .route('/health', healthRoutes(deps.database, users))
    .route('/api/v1/auth', authRoutes(auth))
    .route('/api/v1/seeders', seederRoutes({ users, tokens, operations: deps.operations }))
    .notFound((c) =>
      c.json(
        {
          detail: `There is no ${c.req.method} ${c.req.path}. The API: /health, /api/v1/auth/login, /api/v1/auth/password/change, /api/v1/seeders/….`,
        },
        404,
      ),
    )
    .onError(createErrorHandler({ logger: deps.logger, redact: config.redact ?? ((text) => text) }));
}
