import type { Config } from '../config/schema.js';
import type { Database } from '../db/database.js';
import { createApp } from './app.js';
import { createBcryptPool } from './auth/bcrypt-pool.js';
import type { TokenSecret } from './auth/token-secret.js';
import { UserStore } from './auth/user-store.js';
import { systemClock } from './clock.js';
import type { ServerLogger } from './logger.js';
import { createOperations } from './operations.js';
import type { RunningScheduler } from './schedule/backup-scheduler.js';
import { startServer } from './start-server.js';

export interface ApiServerRequest {
  config: Config;
  production: boolean;
  database: Database;
  tokenSecret: TokenSecret;
  /** Masks secrets in what the ledger and the responses carry. */
  redact: (text: string) => string;
  logger: ServerLogger;
  /** Aborted by SIGTERM / SIGINT: stop accepting, let the request in flight finish, return. */
  stop: AbortSignal;
}

/**
 * Serves the API until `stop` fires, then shuts down gracefully: new connections are refused,
 * requests in flight (a seeding run) get `server.shutdownTimeout` seconds to finish, after which
 * the run is cancelled and rolled back. Owns the bcrypt workers; the caller owns the database.
 */
export async function runApiServer(request: ApiServerRequest): Promise<void> {
  const { config, database, logger } = request;
  const runs = new AbortController();
  const passwords = createBcryptPool();
  let scheduler: RunningScheduler | null = null;
  try {
    const operations = createOperations({
      config,
      production: request.production,
      database,
      redact: request.redact,
      logger,
      signal: runs.signal,
    });
    const app = createApp({
      database,
      operations,
      passwords,
      clock: systemClock,
      logger,
      config: {
        production: request.production,
        tokenSecret: request.tokenSecret.key,
        tokenLifetime: config.server.tokenLifetime,
        bcryptCost: config.server.bcryptCost,
        trustProxy: config.server.trustProxy,
        throttle: config.server.loginThrottle,
        redact: request.redact,
      },
    });
    await warnAboutSetup(request, new UserStore(database));
    // Loaded only when configured: croner stays out of every other start-up. A bad expression
    // stops here, before the port is bound (exit 2).
    const scheduled =
      config.server.backupSchedule === undefined ? null : await import('./schedule/scheduled-backups.js');
    scheduler = scheduled?.startScheduledBackups({ ...request, signal: runs.signal }) ?? null;
    const server = await startServer({
      fetch: app.fetch,
      host: config.server.host,
      port: config.server.port,
    });
    logger.info(
      'server_listening',
      `Listening on ${server.url} (${database.description}). Stop with Ctrl-C or SIGTERM.`,
      { url: server.url },
    );
    await aborted(request.stop);
    const grace = config.server.shutdownTimeout;
    const deadline = Date.now() + grace * 1000;
    const schedulerIdle = scheduler?.stop();
    scheduler = null;
    logger.info(
      'server_stopping',
      `Stopping: refusing new connections; requests in flight get up to ${grace} s to finish…`,
    );
    const { graceful } = await server.close({
      graceMs: grace * 1000,
      onGraceExpired: () => {
        logger.warn(
          'server_cancelling',
          `Requests still running after ${grace} s: cancelling them — an open seeding transaction is rolled back.`,
        );
        cancelRuns(runs, database);
      },
    });
    const backupFinished = schedulerIdle
      ? await finishWithin(schedulerIdle, deadline, () => cancelRuns(runs, database))
      : true;
    const stoppedCleanly = graceful && backupFinished;
    logger.info(
      'server_stopped',
      stoppedCleanly
        ? 'Stopped; every request finished.'
        : 'Stopped; running work was cancelled and rolled back.',
      { graceful: stoppedCleanly },
    );
  } finally {
    await scheduler?.stop();
    await passwords.close();
  }
}

function cancelRuns(runs: AbortController, database: Database): void {
  runs.abort(new Error('shutdown'));
  void database.cancelRunning().catch(() => undefined);
}

/**
 * Waits for `work` (a scheduled backup) until `deadline`, then cancels it and waits for it to
 * roll back. True when it finished in time.
 */
async function finishWithin(work: Promise<void>, deadline: number, cancel: () => void): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(
      () => {
        cancel();
        resolve(false);
      },
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    const inTime = await Promise.race([work.then(() => true), late]);
    await work;
    return inTime;
  } finally {
    clearTimeout(timer);
  }
}

async function warnAboutSetup(request: ApiServerRequest, users: UserStore): Promise<void> {
  const { config, logger } = request;
  if (request.tokenSecret.generated) {
    logger.warn(
      'token_secret_generated',
      'No token secret configured (SEED_TOKEN_SECRET / server.tokenSecret): using a random one for this process. Tokens stop working when it restarts and are not shared between instances; set one of at least 32 characters.',
    );
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(config.server.host)) {
    logger.warn(
      'server_exposed',
      `Binding ${config.server.host}: the API will be reachable from the network over plain HTTP. Put it behind a TLS-terminating proxy.`,
    );
  }
  const ready = await users.tablesExist().catch(() => null);
  if (ready === false) {
    logger.warn(
      'tables_missing',
      'The FoodFleet tables do not exist yet, so nobody can log in: run `foodfleet-seed migrate` or `foodfleet-seed run` first.',
    );
  } else if (ready === null) {
    logger.warn(
      'database_unavailable',
      'The database did not answer; /health says "unavailable" until it does.',
    );
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
