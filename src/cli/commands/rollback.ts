import { type RollbackResult, rollbackOperation } from '../../operations/restore.js';
import { confirmOnTerminal, requireYesOrTerminal } from '../confirm.js';
import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';
import { usingOperation } from '../using-operation.js';
import { describeRestore, restoreSummary } from './restore.js';

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
  const loaded = loadCommandConfig(ctx);
  const result: RollbackResult = await usingOperation(ctx, loaded, (deps) =>
    rollbackOperation(deps, {
      executionId: id,
      backup: flags.backup !== false,
      confirm: (item, executionId) =>
        confirmOnTerminal(ctx, flags.yes, () =>
          describeRestore(`Roll back execution #${executionId}: restore`, item, deps.database),
        ),
    }),
  );
  ctx.out.result(result, () =>
    restoreSummary(`Rolled back execution #${result.rolled_back_execution_id}: restored`, result),
  );
}
