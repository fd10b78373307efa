import type { CommandContext } from '../context.js';
import { cliTrigger, loadCommandConfig } from '../context.js';
import { confirmOnTerminal, requireYesOrTerminal } from '../confirm.js';
import { createRunReporter } from '../run-reporter.js';
import { table } from '../format.js';
import { usingDatabase } from '../../db/open-database.js';
import { allSeeders } from '../../seeding/all-seeders.js';
import { orderSeeders } from '../../seeding/order.js';
import type { RunResult } from '../../seeding/run-seeders.js';
import { createBackupReporter } from '../../backup/before-seeding.js';
import { resetDatabase } from '../../backup/reset-database.js';
import { openStore } from '../../backup/stores/open-store.js';

export interface ResetFlags {
  /** `--no-backup` sets this to false. */
  backup?: boolean;
  cascade?: boolean;
  yes?: boolean;
}

/** `reset`: back up, then empty the seeders' tables and reseed — one transaction. */
export async function resetCommand(ctx: CommandContext, flags: ResetFlags): Promise<void> {
  requireYesOrTerminal(ctx, flags.yes, 'reset');
  const { config, production } = loadCommandConfig(ctx);
  const seeders = orderSeeders(await allSeeders(config.seeders.dir));
  const tables = [...new Set(seeders.flatMap((s) => s.tables))].sort();
  const events = await createRunReporter(ctx.out);
  const result = await usingDatabase(config, async (database) => {
    ctx.onCancel(() => database.cancelRunning());
    await confirmOnTerminal(
      ctx,
      flags.yes,
      `Reset ${database.description}? Every row of ${tables.join(', ')} is deleted and the seeders run again` +
        `${flags.cascade ? ' (--cascade: tables referencing them are emptied too)' : ''}.`,
    );
    const wantBackup = flags.backup !== false && config.backup.enabled;
    const opened = wantBackup ? await openStore(config, database) : null;
    for (const warning of opened?.warnings ?? []) ctx.out.warn(warning);
    const outcome = await resetDatabase(
      {
        database,
        store: opened?.store ?? null,
        config,
        seeders,
        context: {
          production,
          environment: config.environment,
          superadmin: config.superadmin,
          signal: ctx.signal,
        },
        events,
        backupEvents: (executionId) => createBackupReporter(ctx.out, executionId),
        triggeredBy: cliTrigger(),
        source: 'cli',
        redact: (text) => ctx.out.redact(text),
      },
      { backup: flags.backup, cascade: flags.cascade },
    );
    return { ...outcome, warnings: [...(opened?.warnings ?? []), ...outcome.warnings] };
  });
  ctx.out.result(result, () => resetSummary(result));
}

function resetSummary(result: RunResult): string {
  const rows = Object.entries(result.results.seeders).map(([name, r]) => [
    name,
    r.status,
    r.created,
    r.updated,
    r.deleted,
    `${r.duration_ms} ms`,
  ]);
  const { created, updated, deleted } = result.results.total;
  rows.push(['Total', '', created, updated, deleted, '']);
  const backup = result.backup_created
    ? `Backup: ${result.backup_s3_key} — undo with: foodfleet-seed rollback ${result.execution_id}`
    : 'Backup: none taken.';
  return [
    `Reset completed (execution #${result.execution_id}): tables emptied and reseeded.`,
    table(['Seeder', 'Status', 'Created', 'Updated', 'Deleted', 'Time'], rows),
    backup,
  ].join('\n');
}
