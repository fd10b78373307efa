import { Hono } from 'hono';
import type { Database } from '../db/database.js';
import type { AppEnv } from './app-env.js';
import type { Clock } from './clock.js';
import type { ServerLogger } from './logger.js';
import type { Operations } from './operations.js';
import { migrateTracking } from '../migrations/migrate.js';
import { ChecksInFlight } from './auth/checks-in-flight.js';
import { dummyHashSource } from './auth/dummy-hash.js';
import { LoginThrottle, type ThrottleOptions } from './auth/login-throttle.js';
import type { PasswordHasher } from './auth/password-hasher.js';
import { TokenService } from './auth/tokens.js';
import { notMigrated, UserStore } from './auth/user-store.js';
import { createErrorHandler } from './error-handler.js';
import { limitBody } from './input.js';
import { requestLog } from './request-log.js';
import { authRoutes } from './routes/auth.js';
import { healthRoutes } from './routes/health.js';
import { openApiRoutes } from './routes/openapi.js';
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
  /** Reverse proxies in front whose X-Forwarded-For hops are trusted (`server.trustProxy`; default 0). */
  trustProxy?: number;
  /** Failed password checks allowed (`server.loginThrottle`; defaults in login-throttle.ts). */
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
  const throttle = new LoginThrottle(
    deps.database,
    clock,
    config.throttle ?? {},
    // Nobody can log in before `migrate`: say so (503) rather than create the tool's tables first.
    once(async () => {
      if (!(await users.tablesExist())) throw notMigrated(deps.database.schema);
      await migrateTracking(deps.database);
    }),
  );
  const auth = {
    users,
    tokens,
    passwords,
    throttle,
    checks: new ChecksInFlight(throttle.options.maxChecksPerAddress),
    dummyHash: dummyHashSource(passwords, config.bcryptCost),
    production: config.production,
    bcryptCost: config.bcryptCost,
    trustProxy: config.trustProxy ?? 0,
  };

  // Not strict: the guide calls both /api/v1/seeders/ and /api/v1/seeders.
  return new Hono<AppEnv>({ strict: false })
    .use('*', requestLog(deps.logger))
    .use('*', limitBody)
    .route('/health', healthRoutes(deps.database, users))
    .route('/openapi.json', openApiRoutes())
    .route('/api/v1/auth', authRoutes(auth))
    .route('/api/v1/seeders', seederRoutes({ users, tokens, operations: deps.operations }))
    .notFound((c) =>
      c.json(
        {
          detail: `There is no ${c.req.method} ${c.req.path}. The API is described at GET /openapi.json.`,
        },
        404,
      ),
    )
    .onError(createErrorHandler({ logger: deps.logger, redact: config.redact ?? ((text) => text) }));
}

/** Runs `work` once; a failure (database down) is retried by the next call instead of remembered. */
function once(work: () => Promise<unknown>): () => Promise<unknown> {
  let pending: Promise<unknown> | undefined;
  return () =>
    (pending ??= work().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}
