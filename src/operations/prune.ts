import {
  deletePruneTargets,
  newestOfEachDatabase,
  type PruneTarget,
  planPrune,
  takeInventory,
} from '../backup/catalog.js';
import { databaseIdentity } from '../tracking/database-identity.js';
import { withExecution } from '../tracking/with-execution.js';
import type { OperationDeps } from './deps.js';

export interface PruneOptions {
  /** Keep the newest N complete backups. */
  keep?: number | undefined;
  /** Delete backups older than this; `olderThan` is its text as given, for the ledger. */
  olderThanMs?: number | undefined;
  olderThan?: string | undefined;
  /** Only report what would be deleted. */
  dryRun: boolean;
  now?: Date | undefined;
}

export interface PruneResult {
  execution_id: number;
  dry_run: boolean;
  store: string;
  deleted: PruneTarget[];
  would_delete: PruneTarget[];
  kept: number;
}

/**
 * `backups prune`: deletes old backups (never the latest), incomplete uploads and orphaned
 * manifests, recorded as an execution under the run lock so no backup is written meanwhile.
 */
export async function pruneOperation(deps: OperationDeps, options: PruneOptions): Promise<PruneResult> {
  const { dryRun } = options;
  return withExecution(
    deps.database,
    {
      command: 'prune',
      ...deps.origin,
      options: { keep: options.keep ?? null, older_than: options.olderThan ?? null, yes: !dryRun },
      lockTimeoutSeconds: deps.lockTimeoutSeconds,
      redact: deps.redact,
      signal: deps.signal,
    },
    async ({ id }) => {
      const store = await deps.store.open({ warn: false });
      const inventory = await takeInventory(store);
      const targets = planPrune(
        inventory,
        { keep: options.keep, olderThanMs: options.olderThanMs, now: options.now ?? new Date() },
        await newestOfEachDatabase(store, inventory, {
          databaseId: (await databaseIdentity(deps.database))?.id,
        }),
      );
      if (!dryRun) await deletePruneTargets(store, targets);
      const kept = inventory.complete.length - targets.filter((t) => t.kind === 'backup').length;
      const value: PruneResult = {
        execution_id: id,
        dry_run: dryRun,
        store: store.description,
        deleted: dryRun ? [] : targets,
        would_delete: dryRun ? targets : [],
        kept,
      };
      const keys = (list: readonly PruneTarget[]) => list.map((t) => t.key);
      return {
        value,
        results: {
          dry_run: dryRun,
          deleted: keys(value.deleted),
          would_delete: keys(value.would_delete),
          kept,
        },
      };
    },
  );
}
