import type { BackupStore } from '../backup/store.js';
import { openStore } from '../backup/stores/open-store.js';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/database.js';
import type { ExecutionOrigin } from '../tracking/executions.js';
import type { Redact } from '../tracking/redact-record.js';
import type { EventSink } from './events.js';

/** The backup store, opened on first use: the AWS SDK loads only when an operation needs S3. */
interface LazyStore {
  /** `warn: false` keeps the choice's warnings out of events and results (prune has no use for them). */
  open(options?: { warn?: boolean }): Promise<BackupStore>;
  /** The warnings the choice gave, once opened (results list them first). */
  readonly warnings: readonly string[];
}

/** What every operation depends on; the CLI and the HTTP API each build one per call. */
export interface OperationDeps {
  database: Database;
  config: Config;
  store: LazyStore;
  /** Aborted on Ctrl-C / SIGTERM / server shutdown: the open transaction is rolled back. */
  signal: AbortSignal;
  events: EventSink;
  /** Who triggered it, recorded on the execution. */
  origin: ExecutionOrigin;
  /** How long to wait for another run's lock (the CLI's `lockTimeout`, serve's `server.lockTimeout`). */
  lockTimeoutSeconds: number;
  /** `NODE_ENV=production` safeguards apply (seeders see it). */
  production: boolean;
  /** Masks secrets in everything recorded in the ledger. */
  redact: Redact;
}

/**
 * Builds the dependencies from the pieces every edge has. The store's choice warnings (e.g. a
 * local folder for a server database) are reported as `warning` events once, when it opens.
 */
export function operationDeps(
  parts: Omit<OperationDeps, 'store' | 'lockTimeoutSeconds'> & { lockTimeoutSeconds?: number },
): OperationDeps {
  let opened: ReturnType<typeof openStore> | undefined;
  let warned = false;
  const warnings: string[] = [];
  const store: LazyStore = {
    warnings,
    async open({ warn = true } = {}) {
      opened ??= openStore(parts.config, parts.database).catch((error: unknown) => {
        opened = undefined;
        throw error;
      });
      const choice = await opened;
      if (warn && !warned) {
        warned = true;
        for (const message of choice.warnings) parts.events({ event: 'warning', message });
        warnings.push(...choice.warnings);
      }
      return choice.store;
    },
  };
  return { ...parts, store, lockTimeoutSeconds: parts.lockTimeoutSeconds ?? parts.config.lockTimeout };
}
