import { runOperation } from '../../operations/run.js';
import { allSeeders } from '../../seeding/all-seeders.js';
import { orderSeeders, selectSeeders } from '../../seeding/order.js';
import type { RunResult } from '../../seeding/run-seeders.js';
import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';
import { table } from '../format.js';
import { usingOperation } from '../using-operation.js';

export interface RunFlags {
  only?: string[];
  dryRun?: boolean;
  backup?: boolean;
  requireBackup?: boolean;
}

export async function runCommand(ctx: CommandContext, flags: RunFlags): Promise<void> {
  const loaded = loadCommandConfig(ctx);
  const seeders = await allSeeders(loaded.config.seeders.dir);
  // A cycle, an unknown dependency or an unknown --only name fails before connecting to anything.
  selectSeeders(orderSeeders(seeders), flags.only);
  const result = await usingOperation(ctx, loaded, (deps) =>
    runOperation(deps, {
      seeders,
      only: flags.only,
      dryRun: Boolean(flags.dryRun),
      backup: flags.backup !== false,
      requireBackup: Boolean(flags.requireBackup),
    }),
  );
  ctx.out.result(result, () => summary(result));
}

/** The per-seeder table `run` and `reset` print. */
export function seederTable(result: RunResult): string {
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
  return table(['Seeder', 'Status', 'Created', 'Updated', 'Deleted', 'Time'], rows);
}

function summary(result: RunResult): string {
  const head = result.dry_run
    ? `Dry run (execution #${result.execution_id}): nothing was written — the transaction was rolled back.`
    : `Seeding completed (execution #${result.execution_id}).`;
  const backup = result.backup_created ? `Backup: ${result.backup_s3_key}` : 'Backup: none taken.';
  return [head, seederTable(result), backup].join('\n');
}
