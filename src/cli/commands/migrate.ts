import { usingDatabase } from '../../db/open-database.js';
import { migrateOperation } from '../../operations/migrate.js';
import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';

export async function migrateCommand(ctx: CommandContext): Promise<void> {
  const { config } = loadCommandConfig(ctx);
  const outcome = await usingDatabase(config, async (database) => ({
    ...(await migrateOperation({ database, lockTimeoutSeconds: config.lockTimeout })),
    database: database.description,
  }));
  ctx.out.result({ success: true, applied: outcome.applied }, () =>
    outcome.applied.length > 0
      ? `Applied migrations on ${outcome.database}: ${outcome.applied.join(', ')}`
      : `Schema is up to date on ${outcome.database}; nothing to apply.`,
  );
}
