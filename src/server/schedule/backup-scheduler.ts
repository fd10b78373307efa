import type { ServerLogger } from '../logger.js';
import type { CronSchedule } from './cron-schedule.js';

/** What the scheduler does with a tick it claimed. */
export interface ScheduledWork {
  /** Claims `tick` for this replica; false when another replica already has it. */
  claim(tick: Date): Promise<boolean>;
  /** Takes the backup (recorded as an execution, failed or not). */
  backup(tick: Date): Promise<void>;
  /** Applies `server.backupRetention` after a successful backup (absent: nothing is pruned). */
  prune?: (() => Promise<void>) | undefined;
}

export interface RunningScheduler {
  /** No more ticks; resolves when the tick in progress (if any) has finished. */
  stop(): Promise<void>;
}

/** setTimeout's limit is ~24.8 days; a far tick is waited for in steps of a day. */
const MAX_WAIT_MS = 24 * 60 * 60 * 1000;

/**
 * Fires `work` at each tick of `schedule`. A tick is named by its scheduled instant, so every
 * replica claims the same one; ticks missed while the process was busy are not caught up, and a
 * tick that comes while this replica's previous scheduled backup still runs is skipped with a
 * warning. Nothing a tick does can throw out of here: failures become log events.
 */
export function startBackupScheduler(
  schedule: CronSchedule,
  work: ScheduledWork,
  logger: ServerLogger,
): RunningScheduler {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: { tick: Date; done: Promise<void> } | null = null;

  const arm = (from: Date) => {
    if (stopped) return;
    const next = schedule.next(from);
    if (!next) return;
    const wait = next.getTime() - Date.now();
    if (wait > MAX_WAIT_MS) timer = setTimeout(() => arm(from), MAX_WAIT_MS);
    else
      timer = setTimeout(
        () => {
          arm(new Date(Math.max(next.getTime(), Date.now())));
          fire(next);
        },
        Math.max(0, wait),
      );
  };

  const fire = (tick: Date) => {
    if (running) {
      logger.warn(
        'scheduled_backup_skipped',
        `Skipped the scheduled backup of ${tick.toISOString()}: the one of ${running.tick.toISOString()} is still running.`,
        { tick: tick.toISOString() },
      );
      return;
    }
    const done = runTick(tick, work, logger).finally(() => {
      running = null;
    });
    running = { tick, done };
  };

  arm(new Date());
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.done;
    },
  };
}

async function runTick(tick: Date, work: ScheduledWork, logger: ServerLogger): Promise<void> {
  const at = tick.toISOString();
  try {
    if (!(await work.claim(tick))) return;
  } catch (error) {
    logger.error(
      'scheduled_backup_failed',
      `Could not claim the scheduled backup of ${at}: ${message(error)}`,
      {
        tick: at,
      },
    );
    return;
  }
  try {
    await work.backup(tick);
  } catch (error) {
    // The execution records the failure; the log says which tick it was.
    logger.error('scheduled_backup_failed', `The scheduled backup of ${at} failed: ${message(error)}`, {
      tick: at,
    });
    return;
  }
  if (!work.prune) return;
  try {
    await work.prune();
  } catch (error) {
    logger.error(
      'scheduled_prune_failed',
      `Pruning after the scheduled backup of ${at} failed: ${message(error)}`,
      {
        tick: at,
      },
    );
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
