import { resetOperation } from '../../operations/reset.js';
import { allSeeders } from '../../seeding/all-seeders.js';
import { orderSeeders } from '../../seeding/order.js';
import type { RunResult } from '../../seeding/run-seeders.js';
import { confirmOnTerminal, requireYesOrTerminal } from '../confirm.js';
import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';
import { usingOperation } from '../using-operation.js';
import { seederTable } from './run.js';

export interface ResetFlags {
  /** `--no-backup` sets this to false. */
  backup?: boolean;
  cascade?: boolean;
  yes?: boolean;
}

/** `reset`: back up, then empty the seeders' tables and reseed — one transaction. */
export async function resetCommand(ctx: CommandContext, flags: ResetFlags): Promise<void> {
  requireYesOrTerminal(ctx, flags.yes, 'reset');
  const loaded = loadCommandConfig(ctx);
  const seeders = orderSeeders(await allSeeders(loaded.config.seeders.dir));
  const tables = [...new Set(seeders.flatMap((s) => s.tables))].sort();
  const result = await usingOperation(ctx, loaded, async (deps) => {
    await confirmOnTerminal(
      ctx,
      flags.yes,
      () =>
        `Reset ${deps.database.description}? Every row of ${tables.join(', ')} is deleted and the seeders run again` +
        `${flags.cascade ? ' (--cascade: tables referencing them are emptied too)' : ''}.`,
    );
    return resetOperation(deps, { seeders, backup: flags.backup !== false, cascade: Boolean(flags.cascade) });
  });
  ctx.out.result(result, () => resetSummary(result));
}

function resetSummary(result: RunResult): string {
  const backup = result.backup_created
    ? `Backup: ${result.backup_s3_key} — undo with: foodfleet-seed rollback ${result.execution_id}`
    : 'Backup: none taken.';
  return [
    `Reset completed (execution #${result.execution_id}): tables emptied and reseeded.`,
    seederTable(result),
    backup,
  ].join('\n');
}
