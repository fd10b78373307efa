import { Cron } from 'croner';
import { ConfigError } from '../../errors.js';

/** When a cron expression fires next, in UTC. */
export interface CronSchedule {
  /** The first tick strictly after `after`; null when the expression never fires again. */
  next(after: Date): Date | null;
}

const KEY = 'server.backupSchedule';

/**
 * Parses `server.backupSchedule` with croner: 5 fields (minute first) or 6 (seconds first),
 * evaluated in UTC. Only the pattern is used: ticks are timed by the scheduler, so a tick is
 * named by its scheduled instant, the same on every replica. A bad expression is a config error.
 */
export function parseCronSchedule(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) throw invalid(expression, `it has ${fields} fields, not 5 or 6`);
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone: 'UTC', paused: true });
  } catch (error) {
    throw invalid(expression, (error as Error).message);
  }
  if (cron.nextRun() === null) throw invalid(expression, 'it never fires');
  return { next: (after) => cron.nextRun(after) };
}

function invalid(expression: string, why: string): ConfigError {
  const problem = `${KEY}: "${expression}" is not a cron expression (${why})`;
  return new ConfigError(
    `Invalid configuration — nothing was started. ${problem}. Use 5 fields (minute hour day month weekday, e.g. "0 3 * * *") or 6 with seconds first, in UTC (env SEED_BACKUP_SCHEDULE).`,
    [problem],
  );
}
