import type { CatalogItem } from '../../backup/catalog.js';
import { checkBackupKey } from '../../backup/restore-key.js';
import type { Database } from '../../db/database.js';
import { UsageError } from '../../errors.js';
import { type RestoreResult, restoreOperation } from '../../operations/restore.js';
import { confirmOnTerminal, requireYesOrTerminal } from '../confirm.js';
import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';
import { formatCount, table } from '../format.js';
import { usingOperation } from '../using-operation.js';

export interface RestoreFlags {
  key?: string;
  execution?: number;
  /** `--no-backup` sets this to false. */
  backup?: boolean;
  yes?: boolean;
}

/** `restore [--key K | --execution ID]`: latest complete backup by default. */
export async function restoreCommand(ctx: CommandContext, flags: RestoreFlags): Promise<void> {
  requireYesOrTerminal(ctx, flags.yes, 'restore');
  if (flags.key !== undefined && flags.execution !== undefined) {
    throw new UsageError('Give either --key or --execution, not both. Nothing was changed.');
  }
  const loaded = loadCommandConfig(ctx);
  // A malformed key or one outside the prefix is refused before the database is opened.
  if (flags.key !== undefined) checkBackupKey(flags.key, loaded.config);
  const result = await usingOperation(ctx, loaded, (deps) =>
    restoreOperation(deps, {
      target: { key: flags.key, executionId: flags.execution },
      backup: flags.backup !== false,
      confirm: (item) =>
        confirmOnTerminal(ctx, flags.yes, () => describeRestore('Restore', item, deps.database)),
    }),
  );
  ctx.out.result(result, () => restoreSummary('Restored', result));
}

export function describeRestore(verb: string, item: CatalogItem, database: Database): string {
  const tables = Object.entries(item.manifest.tables);
  const rows = tables.reduce((sum, [, n]) => sum + n, 0);
  return (
    `${verb} backup ${item.key} (taken ${item.created_at} by ${item.taken_by}${item.execution_id !== null ? ` #${item.execution_id}` : ''}; ` +
    `${tables.length} tables, ${formatCount(rows)} rows) into ${database.description}?\n` +
    `Every row of those tables is replaced by the backup's rows.`
  );
}

export function restoreSummary(head: string, result: RestoreResult): string {
  const rows = Object.entries(result.tables).map(([name, count]) => [name, count]);
  const undo = result.safety_backup_key
    ? `Safety backup: ${result.safety_backup_key} — undo with: foodfleet-seed rollback ${result.execution_id}`
    : 'No safety backup was taken.';
  return [
    `${head} ${result.key} (execution #${result.execution_id}).`,
    rows.length > 0 ? table(['Table', 'Rows'], rows) : 'The backup holds no tables.',
    undo,
  ].join('\n');
}
