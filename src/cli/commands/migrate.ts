import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';
import { usingDatabase } from '../../db/open-database.js';
import { migrateAll } from '../../migrations/migrate.js';

export async function migrateCommand(ctx: CommandContext): Promise<void> {
  const { config } = loadCommandConfig(ctx);
  const outcome = await usingDatabase(config, async (database) => {
    const release = await database.acquireRunLock(config.lockTimeout * 1000);
    if (!release) {
      const { LockedError } = await import('../../errors.js');
      throw new LockedError(
        `Another run holds the lock; waited ${config.lockTimeout}s. Nothing was changed. Retry when it has finished.`,
      );
    }
    try {
      return { ...(await migrateAll(database)), database: database.description };
    } finally {
      await release();
    }
  });
  ctx.out.result({ success: true, applied: outcome.applied }, () =>
    outcome.applied.length > 0
      ? `Applied migrations on ${outcome.database}: ${outcome.applied.join(', ')}`
      : `Schema is up to date on ${outcome.database}; nothing to apply.`,
  );
}
