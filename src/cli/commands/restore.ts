import type { CommandContext } from '../context.js';
import { cliTrigger, loadCommandConfig } from '../context.js';
import { confirmOnTerminal, requireYesOrTerminal } from '../confirm.js';
import { table } from '../format.js';
import type { Output } from '../output.js';
import type { Config } from '../../config/schema.js';
import type { Database } from '../../db/database.js';
import { UsageError } from '../../errors.js';
import { usingDatabase } from '../../db/open-database.js';
import type { CatalogItem } from '../../backup/catalog.js';
import { createBackupReporter, formatBytes } from '../../backup/before-seeding.js';
import {
  resolveRestoreTarget,
  restoreBackup,
  type RestoreDeps,
  type RestoreEvents,
  type RestoreResult,
} from '../../backup/restore-backup.js';
import { openStore } from '../../backup/stores/open-store.js';

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
  const { config } = loadCommandConfig(ctx);
  const result = await withRestoreDeps(ctx, config, async (deps) => {
    const item = await resolveRestoreTarget(deps.database, deps.store, {
      key: flags.key,
      executionId: flags.execution,
    });
    await confirmOnTerminal(ctx, flags.yes, describeRestore('Restore', item, deps.database));
    const restored = await restoreBackup(deps, {
      key: flags.key,
      executionId: flags.execution,
      backup: flags.backup,
      resolved: item,
    });
    return { ...restored, warnings: [...deps.storeWarnings, ...restored.warnings] };
  });
  ctx.out.result(result, () => restoreSummary('Restored', result));
}

/** Opens the database and the store and builds what the core needs, closing both afterwards. */
export async function withRestoreDeps<T>(
  ctx: CommandContext,
  config: Config,
  fn: (deps: RestoreDeps & { storeWarnings: string[] }) => Promise<T>,
): Promise<T> {
  return usingDatabase(config, async (database) => {
    ctx.onCancel(() => database.cancelRunning());
    const opened = await openStore(config, database);
    for (const warning of opened.warnings) ctx.out.warn(warning);
    return fn({
      database,
      store: opened.store,
      config,
      signal: ctx.signal,
      events: await createRestoreReporter(ctx.out),
      backupEvents: (executionId) => createBackupReporter(ctx.out, executionId),
      triggeredBy: cliTrigger(),
      source: 'cli',
      redact: (text) => ctx.out.redact(text),
      storeWarnings: opened.warnings,
    });
  });
}

export function describeRestore(verb: string, item: CatalogItem, database: Database): string {
  const tables = Object.entries(item.manifest.tables);
  const rows = tables.reduce((sum, [, n]) => sum + n, 0);
  return (
    `${verb} backup ${item.key} (taken ${item.created_at} by ${item.taken_by}${item.execution_id !== null ? ` #${item.execution_id}` : ''}; ` +
    `${tables.length} tables, ${rows.toLocaleString('en-US')} rows) into ${database.description}?\n` +
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

/**
 * Renders restore progress: JSON events with `--log-format json` (restore_started,
 * restore_completed, restore_failed), an ora spinner with table / rows / bytes on a terminal,
 * plain lines otherwise.
 */
export async function createRestoreReporter(out: Output): Promise<RestoreEvents> {
  const ora = out.interactive ? (await import('ora')).default : null;
  const spinner = ora ? ora({ text: 'Restoring…', stream: out.stderr }) : null;
  let lastDraw = 0;
  return {
    started({ executionId, command, key }) {
      out.event('restore_started', { execution_id: executionId, command, key });
      // The spinner starts with the load: the safety backup before it shows its own.
      out.info(`→ ${command} of ${key} (execution #${executionId}) …`);
    },
    progress({ table: name, rows, bytes }) {
      if (!spinner || Date.now() - lastDraw < 100) return;
      lastDraw = Date.now();
      const text = `Restoring ${name}: ${rows.toLocaleString('en-US')} rows (${formatBytes(bytes)} of the backup read)`;
      if (spinner.isSpinning) spinner.text = text;
      else spinner.start(text);
    },
    completed({ executionId, command, key, tables, safetyBackupKey, durationMs }) {
      out.event('restore_completed', {
        execution_id: executionId,
        command,
        key,
        tables,
        safety_backup_key: safetyBackupKey,
        duration_ms: durationMs,
      });
      const rows = Object.values(tables).reduce((sum, n) => sum + n, 0);
      const text = `${key}: ${Object.keys(tables).length} tables, ${rows.toLocaleString('en-US')} rows restored (${durationMs} ms)`;
      if (spinner?.isSpinning) spinner.succeed(text);
      else out.info(`✓ ${text}`);
    },
    failed({ executionId, command, key, error }) {
      out.event('restore_failed', { execution_id: executionId, command, key, error });
      if (spinner?.isSpinning) spinner.fail(`${command} of ${key} failed`);
    },
    warning(message) {
      out.warn(message);
    },
  };
}
