import { listBackupItems } from '../../backup/backup-list.js';
import { type PruneTarget, resolveBackup } from '../../backup/catalog.js';
import { AGE_FORMAT, parseAge } from '../../backup/age.js';
import { checkBackupKey } from '../../backup/restore-key.js';
import { openStore } from '../../backup/stores/open-store.js';
import { verifyBackup } from '../../backup/writer/verify-backup.js';
import { UsageError } from '../../errors.js';
import { pruneOperation } from '../../operations/prune.js';
import type { CommandContext } from '../context.js';
import { loadCommandConfig } from '../context.js';
import { formatBytes, table } from '../format.js';
import { usingOperation } from '../using-operation.js';

/** `backups [--limit N]`: complete backups, newest first. Reads only the store, never the database. */
export async function backupsListCommand(ctx: CommandContext, flags: { limit: number }): Promise<void> {
  if (flags.limit < 1 || flags.limit > 10_000) throw new UsageError('--limit must be between 1 and 10000.');
  const { config } = loadCommandConfig(ctx);
  const { store } = await openStore(config, null);
  const { items, total } = await listBackupItems(store, { skip: 0, limit: flags.limit });
  ctx.out.result({ items, total }, () => {
    if (items.length === 0)
      return `No complete backups in ${store.description}. Take one with: foodfleet-seed backup`;
    const rows = items.map((b) => [
      b.key,
      b.created_at,
      formatBytes(b.size),
      b.execution_id ?? '',
      b.taken_by,
      b.database ?? '',
    ]);
    return `${table(['Key', 'Created', 'Size', 'Execution', 'Taken by', 'Database'], rows)}\nShowing ${items.length} of ${total} in ${store.description}.`;
  });
}

/** `backups verify [--key K]`: downloads a backup (default: latest) and checks it against its manifest. */
export async function backupsVerifyCommand(ctx: CommandContext, flags: { key?: string }): Promise<void> {
  const { config } = loadCommandConfig(ctx);
  if (flags.key !== undefined) checkBackupKey(flags.key, config);
  const { store } = await openStore(config, null);
  const item = await resolveBackup(store, flags.key);
  ctx.out.info(`Verifying ${item.key} (${formatBytes(item.size)}) from ${store.description}…`);
  const report = await verifyBackup(store, item, { signal: ctx.signal });
  ctx.out.result({ valid: true, ...report }, () => {
    const rows = Object.values(report.tables).reduce((sum, n) => sum + n, 0);
    return `Backup ${report.key} is valid: sha256 ${report.sha256}, ${formatBytes(report.size)}, ${Object.keys(report.tables).length} tables, ${rows} rows — all match its manifest.`;
  });
}

export interface PruneFlags {
  keep?: number;
  olderThan?: string;
  yes?: boolean;
}

/** `backups prune --keep N / --older-than 30d [--yes]`: lists what would go; deletes only with --yes. */
export async function backupsPruneCommand(ctx: CommandContext, flags: PruneFlags): Promise<void> {
  if (flags.keep === undefined && flags.olderThan === undefined) {
    throw new UsageError(
      'backups prune needs --keep N and/or --older-than AGE (e.g. 30d). Nothing was deleted.',
    );
  }
  const olderThan = flags.olderThan === undefined ? undefined : olderThanMs(flags.olderThan);
  const dryRun = !flags.yes;
  const outcome = await usingOperation(ctx, loadCommandConfig(ctx), (deps) =>
    pruneOperation(deps, { keep: flags.keep, olderThan: flags.olderThan, olderThanMs: olderThan, dryRun }),
  );
  const targets = dryRun ? outcome.would_delete : outcome.deleted;
  ctx.out.result(outcome, () => pruneSummary(targets, dryRun, outcome.kept, outcome.store));
}

function pruneSummary(targets: readonly PruneTarget[], dryRun: boolean, kept: number, store: string): string {
  const backups = plural(kept, 'complete backup');
  if (targets.length === 0) return `Nothing to prune in ${store}; ${backups} kept.`;
  const rows = targets.map((t) => [t.key, t.created_at ?? '', formatBytes(t.size), t.reason]);
  const objects = plural(targets.length, 'object');
  const head = dryRun ? `Would delete ${objects} from ${store}:` : `Deleted ${objects} from ${store}:`;
  const tail = dryRun
    ? `Nothing was deleted. Re-run with --yes to delete them (${backups} stay).`
    : `${backups} kept.`;
  return [head, table(['Key', 'Created', 'Size', 'Reason'], rows), tail].join('\n');
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** `--older-than` in milliseconds; a usage error (exit 2) when it is not an age. */
function olderThanMs(text: string): number {
  const ms = parseAge(text);
  if (ms === null)
    throw new UsageError(`--older-than must be ${AGE_FORMAT} (got "${text}"). Nothing was deleted.`);
  return ms;
}
