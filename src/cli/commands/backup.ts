import { backupOperation } from '../../operations/backup.js';
import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';
import { formatBytes, table } from '../format.js';
import { usingOperation } from '../using-operation.js';

/** `backup`: an on-demand backup, recorded as an execution. Creates only the tracking table. */
export async function backupCommand(ctx: CommandContext): Promise<void> {
  const loaded = loadCommandConfig(ctx);
  const result = await usingOperation(ctx, loaded, backupOperation);
  const document = {
    execution_id: result.execution_id,
    key: result.key,
    size: result.size,
    sha256: result.sha256,
    tables: result.tables,
  };
  ctx.out.result(document, () => {
    const rows = Object.entries(result.tables).map(([name, count]) => [name, count]);
    return [
      `Backup completed (execution #${result.execution_id}): ${result.key}`,
      `${formatBytes(result.size)} (gzip; ${formatBytes(result.uncompressed_size)} uncompressed), sha256 ${result.sha256}`,
      rows.length > 0
        ? table(['Table', 'Rows'], rows)
        : 'No tables in scope: the backup holds only its metadata.',
    ].join('\n');
  });
}
