import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';
import { table } from '../format.js';
import { UsageError } from '../../errors.js';
import { usingDatabase } from '../../db/open-database.js';
import { listExecutions } from '../../operations/executions.js';

export async function historyCommand(
  ctx: CommandContext,
  flags: { skip: number; limit: number },
): Promise<void> {
  if (flags.limit < 1 || flags.limit > 500) throw new UsageError('--limit must be between 1 and 500.');
  const { config } = loadCommandConfig(ctx);
  const page = await usingDatabase(config, (database) => listExecutions(database, flags));
  const document = { items: page.items, total: page.total, skip: flags.skip, limit: flags.limit };
  ctx.out.result(document, () => {
    if (page.items.length === 0)
      return page.total === 0
        ? 'No executions recorded yet.'
        : `No executions past ${flags.skip} (total ${page.total}).`;
    const rows = page.items.map((e) => [
      e.id,
      e.command,
      e.status,
      e.started_at,
      e.duration_ms === null ? '' : `${e.duration_ms} ms`,
      e.triggered_by,
      e.error?.message.slice(0, 60) ?? '',
    ]);
    return `${table(['ID', 'Command', 'Status', 'Started', 'Duration', 'By', 'Error'], rows)}\nShowing ${page.items.length} of ${page.total}.`;
  });
}
