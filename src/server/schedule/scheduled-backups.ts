import { hostname } from 'node:os';
import { parseAge } from '../../backup/age.js';
import type { Config } from '../../config/schema.js';
import type { Database } from '../../db/database.js';
import { migrateTracking } from '../../migrations/migrate.js';
import { backupOperation } from '../../operations/backup.js';
import { operationDeps } from '../../operations/deps.js';
import { pruneOperation } from '../../operations/prune.js';
import { clientSafe } from '../hide-paths.js';
import { onceUntilSuccess } from '../once.js';
import { logEvents } from '../log-events.js';
import type { ServerLogger } from '../logger.js';
import { type RunningScheduler, type ScheduledWork, startBackupScheduler } from './backup-scheduler.js';
import { parseCronSchedule } from './cron-schedule.js';
import { TickClaims } from './tick-claims.js';

export interface ScheduledBackupsRequest {
  config: Config;
  production: boolean;
  database: Database;
  redact: (text: string) => string;
  logger: ServerLogger;
  /** Aborted when shutdown's grace period runs out: a backup in progress is cancelled. */
  signal: AbortSignal;
}

/**
 * `server.backupSchedule`: backups taken by `serve` (source and triggered_by `schedule`), each
 * tick by one replica only, then `server.backupRetention` applied as `backups prune --yes` would.
 * Null when no schedule is configured; a bad expression throws a ConfigError before any tick.
 */
export function startScheduledBackups(request: ScheduledBackupsRequest): RunningScheduler | null {
  const { config, database } = request;
  if (config.server.backupSchedule === undefined) return null;
  const schedule = parseCronSchedule(config.server.backupSchedule);
  const claims = new TickClaims(database, `${hostname()}:${process.pid}`);
  // The ledger is readable through the API, which never shows this server's backup folder.
  const { redact } = clientSafe(config, request.redact);
  const ensureTracking = onceUntilSuccess(() => migrateTracking(database));
  // A fresh operation context per tick: the store is reopened, warnings are reported each time.
  const deps = () =>
    operationDeps({
      database,
      config,
      signal: request.signal,
      events: logEvents(request.logger),
      origin: { triggeredBy: 'schedule', source: 'schedule', userId: null },
      // Waits like the CLI (`lockTimeout`) for a run another replica or a client started.
      lockTimeoutSeconds: config.lockTimeout,
      production: request.production,
      redact,
    });
  const retention = config.server.backupRetention;
  const keep = retention?.keep;
  const olderThan = retention?.olderThan;
  const work: ScheduledWork = {
    async claim(tick) {
      await ensureTracking();
      return claims.claim(tick);
    },
    async backup(tick) {
      await backupOperation(deps(), { schedule: config.server.backupSchedule, tick: tick.toISOString() });
    },
    prune:
      keep === undefined && olderThan === undefined
        ? undefined
        : async () => {
            await pruneOperation(deps(), {
              keep,
              olderThan,
              olderThanMs: olderThan === undefined ? undefined : (parseAge(olderThan) ?? undefined),
              dryRun: false,
            });
          },
  };
  return startBackupScheduler(schedule, work, request.logger);
}
