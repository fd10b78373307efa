import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';
import { table } from '../format.js';
import { NotFoundError } from '../../errors.js';
import { usingDatabase } from '../../db/open-database.js';
import { getExecution } from '../../operations/executions.js';
import type { RunResults } from '../../seeding/results.js';

export async function showCommand(ctx: CommandContext, id: number): Promise<void> {
  const { config } = loadCommandConfig(ctx);
  const execution = await usingDatabase(config, (database) => getExecution(database, id));
  if (!execution)
    throw new NotFoundError(`Execution #${id} does not exist. List executions with: foodfleet-seed history`);
  ctx.out.result(execution, () => {
    const lines = [
      `Execution #${execution.id}: ${execution.command} — ${execution.status}`,
      `Started ${execution.started_at}${execution.finished_at ? `, finished ${execution.finished_at} (${execution.duration_ms} ms)` : ''}, by ${execution.triggered_by}`,
    ];
    const results = execution.results as RunResults | null;
    if (results?.seeders) {
      lines.push(
        table(
          ['Seeder', 'Status', 'Created', 'Updated', 'Deleted'],
          Object.entries(results.seeders).map(([n, r]) => [n, r.status, r.created, r.updated, r.deleted]),
        ),
      );
    }
    if (execution.backup)
      lines.push(
        `Backup: ${execution.backup.status} ${execution.backup.key ?? ''}${execution.backup.error ? ` (${execution.backup.error})` : ''}`,
      );
    if (execution.restored_key) lines.push(`Restored: ${execution.restored_key}`);
    if (execution.error) lines.push(`Error: ${execution.error.message}`, execution.error.stack ?? '');
    return lines.join('\n');
  });
}
