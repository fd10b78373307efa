import { describe, expect, it } from 'vitest';
import { parseAge } from '../src/backup/age.js';
import type { ServerLogger } from '../src/server/logger.js';
import { startBackupScheduler } from '../src/server/schedule/backup-scheduler.js';
import { parseCronSchedule } from '../src/server/schedule/cron-schedule.js';

/** The scheduler's rules, fast: ticks named by their instant, overlap skipped, failures logged. */
function recordingLogger() {
  const lines: Array<{ level: string; event: string; message: string }> = [];
  const record = (level: string) => (event: string, message: string) => lines.push({ level, event, message });
  const logger: ServerLogger = {
    request: () => undefined,
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  return { logger, lines };
}

/** Every `ms` milliseconds, aligned: a stand-in for a cron expression in a fast test. */
const every = (ms: number) => ({
  next: (after: Date) => new Date((Math.floor(after.getTime() / ms) + 1) * ms),
});

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('cron schedule (croner, UTC)', () => {
  it('5 fields start at minutes, 6 at seconds; ticks are in UTC', () => {
    const from = new Date('2026-01-01T10:20:30.500Z');
    expect(parseCronSchedule('0 3 * * *').next(from)?.toISOString()).toBe('2026-01-02T03:00:00.000Z');
    expect(parseCronSchedule('*/15 * * * * *').next(from)?.toISOString()).toBe('2026-01-01T10:20:45.000Z');
  });

  it('a bad expression is a config error naming server.backupSchedule', () => {
    for (const bad of ['61 * * * *', 'every day', '* * * *', '0 0 0 * * * 2030']) {
      expect(() => parseCronSchedule(bad), bad).toThrow(/server\.backupSchedule/);
    }
  });
});

describe('backup scheduler', () => {
  it('a tick that comes while the previous backup runs is skipped with a warning, not claimed', async () => {
    const { logger, lines } = recordingLogger();
    const claimed: Date[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const scheduler = startBackupScheduler(
      every(20),
      {
        claim: async (tick) => {
          claimed.push(tick);
          return true;
        },
        backup: () => blocked,
      },
      logger,
    );
    await until(() => lines.filter((l) => l.event === 'scheduled_backup_skipped').length >= 2);
    expect(claimed).toHaveLength(1);
    expect(claimed[0]!.getTime() % 20).toBe(0);
    const skipped = lines.find((l) => l.event === 'scheduled_backup_skipped')!;
    expect(skipped.level).toBe('warn');
    expect(skipped.message).toContain(`the one of ${claimed[0]!.toISOString()} is still running`);
    release();
    await scheduler.stop();
  });

  it('a tick another replica claimed is left alone; failures are logged, never thrown', async () => {
    const { logger, lines } = recordingLogger();
    let claims = 0;
    let backups = 0;
    let prunes = 0;
    const scheduler = startBackupScheduler(
      every(10),
      {
        claim: async () => ++claims % 2 === 0,
        backup: async () => {
          backups++;
          if (backups === 1) throw new Error('disk full');
        },
        prune: async () => {
          prunes++;
          throw new Error('store unreachable');
        },
      },
      logger,
    );
    await until(() => claims >= 6);
    await scheduler.stop();
    const claimsAtStop = claims;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(claims).toBe(claimsAtStop);
    expect(backups).toBe(Math.floor(claims / 2));
    // The failed backup is not followed by a prune; each other one is.
    expect(prunes).toBe(backups - 1);
    expect(lines.some((l) => l.event === 'scheduled_backup_failed' && l.message.includes('disk full'))).toBe(
      true,
    );
    expect(
      lines.some((l) => l.event === 'scheduled_prune_failed' && l.message.includes('store unreachable')),
    ).toBe(true);
  });
});

describe('retention age', () => {
  it('reads hours, days and weeks; anything else is null', () => {
    expect(parseAge('12h')).toBe(12 * 3600_000);
    expect(parseAge('30d')).toBe(30 * 86400_000);
    expect(parseAge('2W')).toBe(14 * 86400_000);
    for (const bad of ['30', '30 days', 'd', '-1d', '1.5d']) expect(parseAge(bad), bad).toBeNull();
  });
});
