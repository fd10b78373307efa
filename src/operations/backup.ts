import { withExecution } from '../tracking/with-execution.js';
import type { OperationDeps } from './deps.js';
import { takeRecordedBackup } from './recorded-backup.js';

/** What `backup --json` prints (and the API returns). */
export interface BackupOperationResult {
  execution_id: number;
  key: string;
  size: number;
  sha256: string;
  uncompressed_size: number;
  tables: Record<string, number>;
  warnings: string[];
}

/**
 * An on-demand backup as its own execution (command `backup`): recorded, under the run lock so it
 * never interleaves with a run, creating only the tool's tracking table.
 */
export async function backupOperation(
  deps: OperationDeps,
  /** What the ledger records as the execution's options (a scheduled backup names its tick). */
  options: Record<string, unknown> = {},
): Promise<BackupOperationResult> {
  return withExecution(
    deps.database,
    {
      command: 'backup',
      ...deps.origin,
      options,
      lockTimeoutSeconds: deps.lockTimeoutSeconds,
      redact: deps.redact,
      signal: deps.signal,
    },
    async ({ id, tracker }) => {
      await deps.store.open();
      const result = await takeRecordedBackup(deps, { executionId: id, takenBy: 'backup', tracker });
      const warnings = [...deps.store.warnings];
      const value: BackupOperationResult = {
        execution_id: id,
        key: result.key,
        size: result.size,
        sha256: result.sha256,
        uncompressed_size: result.uncompressed_size,
        tables: result.tables,
        warnings,
      };
      const { key, size, sha256, tables } = result;
      return { value, results: { key, size, sha256, tables, warnings } };
    },
  );
}
