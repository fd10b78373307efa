import type { CommandContext } from '../context.js';
import { loadCommandConfig, cliTrigger } from '../context.js';
import { createRunReporter } from '../run-reporter.js';
import { table } from '../format.js';
import { usingDatabase } from '../../db/open-database.js';
import { allSeeders } from '../../seeding/all-seeders.js';
import { runSeeders, type RunResult } from '../../seeding/run-seeders.js';
import { orderSeeders, selectSeeders } from '../../seeding/order.js';
import { backupBeforeSeeding } from '../../backup/before-seeding.js';

export interface RunFlags {
  only?: string[];
  dryRun?: boolean;
  backup?: boolean;
  requireBackup?: boolean;
}

export async function runCommand(ctx: CommandContext, flags: RunFlags): Promise<void> {
  const { config, production } = loadCommandConfig(ctx);
  const seeders = await allSeeders(config.seeders.dir);
  // A cycle, an unknown dependency or an unknown --only name fails before connecting to anything.
  selectSeeders(orderSeeders(seeders), flags.only);
  const events = await createRunReporter(ctx.out);
  const result = await usingDatabase(config, async (database) => {
    ctx.onCancel(() => database.cancelRunning());
    return runSeeders({
      database,
      seeders,
      options: { only: flags.only, dryRun: Boolean(flags.dryRun) },
      context: {
        production,
        environment: config.environment,
        superadmin: config.superadmin,
        signal: ctx.signal,
      },
      events,
      lockTimeoutSeconds: config.lockTimeout,
      triggeredBy: cliTrigger(),
      source: 'cli',
      redact: (text) => ctx.out.redact(text),
      beforeSeeding: (executionId) =>
        backupBeforeSeeding({
          config,
          database,
          executionId,
          enabled: flags.backup !== false && !flags.dryRun,
          required: Boolean(flags.requireBackup),
          out: ctx.out,
          signal: ctx.signal,
        }),
    });
  });
  ctx.out.result(result, () => summary(result));
}

function summary(result: RunResult): string {
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
  const head = result.dry_run
    ? `Dry run (execution #${result.execution_id}): nothing was written — the transaction was rolled back.`
    : `Seeding completed (execution #${result.execution_id}).`;
  const backup = result.backup_created ? `Backup: ${result.backup_s3_key}` : 'Backup: none taken.';
  return [head, table(['Seeder', 'Status', 'Created', 'Updated', 'Deleted', 'Time'], rows), backup].join(
    '\n',
  );
}
