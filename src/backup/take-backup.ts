import type { Config } from '../config/schema.js';
import type { Database } from '../db/database.js';
import { asConnectionLost } from '../db/connection-lost.js';
import { CancelledError, ConnectionLostError, OperationError, SeedError } from '../errors.js';
import { TOOL_TABLES } from '../migrations/migrate.js';
import { FORMAT_VERSION, type BackupManifest } from './format.js';
import { databaseIdentity, type DatabaseIdentity } from '../tracking/database-identity.js';
import { freeBackupKey } from './free-key.js';
import { backupKey, manifestKeyOf, parseBackupKey } from './keys.js';
import { withSnapshot } from './snapshot/with-snapshot.js';
import type { BackupStore } from './store.js';
import { KeyTakenError } from './stores/key-taken.js';
import { backupDocument } from './writer/backup-document.js';
import { buildMetadata } from './writer/metadata.js';
import { uploadDocument, type UploadOutcome } from './writer/upload-document.js';

/** Backups taken again under a new suffix when another database keeps winning the race for the key. */
const KEY_ATTEMPTS = 5;

/** Progress of one backup, for a terminal, JSON events or an HTTP job (all optional). */
export interface BackupEvents {
  started?(info: { key: string }): void;
  /**
   * Rows of `table` written so far and compressed bytes produced so far, with the catalog's
   * estimate of the table's rows and of all tables' (for a percentage; it may be off).
   */
  progress?(info: BackupProgress): void;
  completed?(result: BackupResult): void;
  failed?(error: SeedError): void;
}

interface BackupProgress {
  table: string;
  rows: number;
  bytes: number;
  estimatedRows?: number;
  totalRows?: number;
}

export interface TakeBackupRequest {
  database: Database;
  store: BackupStore;
  /** The execution taking the backup (in the key, the metadata and the manifest). */
  executionId: number;
  takenBy: BackupManifest['taken_by'];
  config: { backup: Pick<Config['backup'], 'include' | 'exclude' | 'compressionLevel'> };
  signal?: AbortSignal | undefined;
  events?: BackupEvents | undefined;
  /** Clock (tests); defaults to the system clock. */
  now?: () => Date;
}

/** A complete backup: the object is stored and verified and its manifest is written. */
export interface BackupResult {
  key: string;
  /** Bytes of the stored (gzip) object. */
  size: number;
  sha256: string;
  uncompressed_size: number;
  /** Rows per table, in document order. */
  tables: Record<string, number>;
  created_at: string;
  manifest: BackupManifest;
}

/**
 * Takes one backup: a consistent snapshot of every table in scope streamed as the gzip JSON
 * document into the store, then the manifest that makes it complete. The caller holds the run
 * lock (so no run interleaves). Never changes the database. On failure nothing usable is left
 * behind (an object without a manifest is never listed or restored) and a typed error says why.
 */
export async function takeBackup(request: TakeBackupRequest): Promise<BackupResult> {
  const { database, store, executionId, signal, events } = request;
  const createdAt = (request.now ?? (() => new Date()))();
  let key = backupKey(store.prefix, createdAt, executionId);
  let uploaded = false;
  try {
    // Several databases may share the store and prefix: the manifest says whose backup it is.
    const identity = await databaseIdentity(database);
    key = await freeBackupKey(store, createdAt, executionId);
    events?.started?.({ key });
    const counts: Record<string, number> = {};
    let current: BackupProgress = { table: '', rows: 0, bytes: 0 };
    let estimates = new Map<string, number>();
    let totalRows = 0;
    const report = (change: Partial<BackupProgress>) => {
      current = { ...current, ...change };
      const estimatedRows = estimates.get(current.table);
      events?.progress?.({
        ...current,
        ...(estimatedRows === undefined ? {} : { estimatedRows, totalRows }),
      });
    };
    let outcome: UploadOutcome | undefined;
    for (let attempt = 1; outcome === undefined; attempt++) {
      try {
        outcome = await withSnapshot(database, scopeOf(request), async (snapshot) => {
          estimates = new Map(snapshot.tables.map((table) => [table.name, table.estimatedRows]));
          totalRows = snapshot.tables.reduce((sum, table) => sum + table.estimatedRows, 0);
          const metadata = buildMetadata({ snapshot, schema: database.schema, executionId, createdAt });
          const document = backupDocument(snapshot, metadata, {
            signal,
            counts,
            onRows: (table, rows) => report({ table, rows }),
          });
          return uploadDocument(document, {
            store,
            key,
            level: request.config.backup.compressionLevel,
            signal,
            onBytes: (bytes) => report({ bytes }),
          });
        });
      } catch (error) {
        // Another database wrote this key between our check and our write (the store refused to
        // replace it): take the backup again under the next free suffix.
        if (!(error instanceof KeyTakenError) || error.key !== key || attempt >= KEY_ATTEMPTS) throw error;
        key = await freeBackupKey(
          store,
          createdAt,
          executionId,
          (parseBackupKey(key, store.prefix)?.clash ?? 1) + 1,
        );
      }
    }
    uploaded = true;
    signal?.throwIfAborted();
    const manifest = await writeManifest(store, {
      key,
      createdAt,
      executionId,
      takenBy: request.takenBy,
      schema: request.database.schema,
      identity,
      outcome,
      tables: counts,
    });
    const result: BackupResult = {
      key,
      size: manifest.size,
      sha256: manifest.sha256,
      uncompressed_size: manifest.uncompressed_size,
      tables: counts,
      created_at: manifest.created_at,
      manifest,
    };
    events?.completed?.(result);
    return result;
  } catch (error) {
    // A stored object without its manifest is already "incomplete"; removing it saves a prune.
    if (uploaded) await store.delete([key]).catch(() => undefined);
    const failure = backupFailure(error, key, store, signal);
    events?.failed?.(failure);
    throw failure;
  }
}

/**
 * The manifest makes the backup complete, so it is written only once the object is stored and
 * verified — like the object, created and never replaced.
 */
async function writeManifest(
  store: BackupStore,
  backup: {
    key: string;
    createdAt: Date;
    executionId: number;
    takenBy: BackupManifest['taken_by'];
    schema: string;
    identity: DatabaseIdentity | null;
    outcome: UploadOutcome;
    tables: Record<string, number>;
  },
): Promise<BackupManifest> {
  const manifest: BackupManifest = {
    format_version: FORMAT_VERSION,
    key: backup.key,
    created_at: backup.createdAt.toISOString(),
    execution_id: backup.executionId,
    taken_by: backup.takenBy,
    schema: backup.schema,
    ...(backup.identity ? { database_id: backup.identity.id, database_name: backup.identity.name } : {}),
    size: backup.outcome.size,
    sha256: backup.outcome.sha256,
    uncompressed_size: backup.outcome.uncompressedSize,
    tables: backup.tables,
  };
  await store.putSmall(manifestKeyOf(backup.key), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function scopeOf(request: TakeBackupRequest) {
  return {
    schema: request.database.schema,
    include: request.config.backup.include,
    exclude: request.config.backup.exclude,
    alwaysExcluded: TOOL_TABLES,
  };
}

/** Every failure as one typed error whose message starts "Backup failed:" and says what (not) changed. */
function backupFailure(
  error: unknown,
  key: string,
  store: BackupStore,
  signal: AbortSignal | undefined,
): SeedError {
  if (signal?.aborted || (error instanceof SeedError && error.code === 'CANCELLED')) {
    return new CancelledError(
      `Backup cancelled: no backup was stored (${key} was not completed). The database was not changed.`,
    );
  }
  const unchanged = `No backup was stored (${key} is not complete and will never be listed or restored); the database was not changed.`;
  const lost = asConnectionLost(error, 'the backup snapshot', unchanged);
  if (lost instanceof ConnectionLostError) return lost;
  if (error instanceof SeedError) {
    const message = sentence(error.message);
    return new OperationError(
      error.code === 'OPERATION_FAILED' ? 'BACKUP_FAILED' : error.code,
      `Backup failed: ${message} ${unchanged}`,
      { cause: error, exitCode: error.exitCode },
    );
  }
  const reason = ((error as Error)?.message ?? String(error)).replace(/[.\s]*$/, '');
  return new OperationError(
    'BACKUP_FAILED',
    `Backup failed: ${reason} (store: ${store.description}). ${unchanged} Fix the cause, then retry (foodfleet-seed backup).`,
    { cause: error },
  );
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
