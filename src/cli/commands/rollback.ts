import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';
import { confirmOnTerminal, requireYesOrTerminal } from '../confirm.js';
import {
  resolveRollbackTarget,
  rollbackExecution,
  type RollbackResult,
} from '../../backup/restore-backup.js';
import { describeRestore, restoreSummary, withRestoreDeps } from './restore.js';

export interface RollbackFlags {
  /** `--no-backup` sets this to false. */
  backup?: boolean;
  yes?: boolean;
}

/** `rollback [ID]`: restore the backup execution ID took before it changed anything. */
export async function rollbackCommand(
  ctx: CommandContext,
  id: number | undefined,
  flags: RollbackFlags,
): Promise<void> {
  requireYesOrTerminal(ctx, flags.yes, 'rollback');
  const { config } = loadCommandConfig(ctx);
  const result: RollbackResult = await withRestoreDeps(ctx, config, async (deps) => {
    const target = await resolveRollbackTarget(deps.database, deps.store, id);
    await confirmOnTerminal(
      ctx,
      flags.yes,
      describeRestore(`Roll back execution #${target.executionId}: restore`, target.item, deps.database),
    );
    const rolled = await rollbackExecution(deps, {
      executionId: target.executionId,
      backup: flags.backup,
      resolved: target,
    });
    return { ...rolled, warnings: [...deps.storeWarnings, ...rolled.warnings] };
  });
  ctx.out.result(result, () =>
    restoreSummary(`Rolled back execution #${result.rolled_back_execution_id}: restored`, result),
  );
}
