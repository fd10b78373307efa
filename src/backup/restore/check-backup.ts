import type { Database } from '../../db/database.js';
import { TOOL_TABLES } from '../../migrations/migrate.js';
import type { CatalogItem } from '../catalog.js';
import type { BackupMetadata } from '../format.js';
import type { BackupStore } from '../store.js';
import { readLiveSchema, type Queryable } from './live-schema.js';
import { withLoadSession } from './open-load-session.js';
import { planRestore, type RestorePlan } from './plan-restore.js';
import { readBackup, BackupReadError, type BackupEvent } from './read-backup.js';

/** The metadata entry comes first; anything that does not show it within this much text is refused. */
const METADATA_BYTE_LIMIT = 64 * 1024 * 1024;

/**
 * The check before anything is written (not even the safety backup): reads only the start of the
 * object — up to its metadata entry — and validates manifest and metadata against the live
 * schema. The full object is verified again, byte for byte, while it loads.
 */
export async function checkBackup(
  database: Database,
  store: BackupStore,
  item: CatalogItem,
  signal: AbortSignal,
  options: { keepReading?: boolean } = {},
): Promise<CheckedBackup> {
  const read = options.keepReading
    ? await readMetadataAndHold(store, item, signal)
    : { metadata: await readMetadata(store, item, signal), rest: null };
  try {
    const plan = await withLoadSession(database, (session) =>
      planAgainstLive(session, database.schema, item, read.metadata),
    );
    return { metadata: read.metadata, plan, rest: read.rest };
  } catch (error) {
    await read.rest?.close();
    throw error;
  }
}

export interface CheckedBackup {
  metadata: BackupMetadata;
  plan: RestorePlan;
  /**
   * The whole backup as events (metadata first), continuing the read the check started, when
   * asked to keep reading: the object is then downloaded once. `close()` it when it goes unused.
   */
  rest: HeldRead | null;
}

export interface HeldRead {
  events: AsyncGenerator<BackupEvent>;
  close(): Promise<void>;
}

/** Reads up to the metadata and keeps the rest of the same download for the load. */
async function readMetadataAndHold(
  store: BackupStore,
  item: CatalogItem,
  signal: AbortSignal,
): Promise<{ metadata: BackupMetadata; rest: HeldRead }> {
  const events = readBackup(await store.get(item.key, { signal }), item.manifest, {
    metadataByteLimit: METADATA_BYTE_LIMIT,
  });
  try {
    const first = await events.next();
    if (first.done || first.value.kind !== 'metadata')
      throw new BackupReadError('the document has no metadata entry');
    const close = async () => {
      await events.return(undefined);
    };
    return { metadata: first.value.metadata, rest: { events: replayFirst(first.value, events), close } };
  } catch (error) {
    await events.return(undefined);
    throw error;
  }
}

async function* replayFirst(
  first: BackupEvent,
  rest: AsyncGenerator<BackupEvent>,
): AsyncGenerator<BackupEvent> {
  try {
    yield first;
    yield* rest;
  } finally {
    await rest.return(undefined);
  }
}

/** Plans against the schema as `db` sees it now (inside the restore's transaction, on the second pass). */
export async function planAgainstLive(
  db: Queryable,
  schema: string,
  item: CatalogItem,
  metadata: BackupMetadata,
): Promise<RestorePlan> {
  const live = await readLiveSchema(db, schema);
  return planRestore({ key: item.key, manifest: item.manifest, metadata, live, toolTables: TOOL_TABLES });
}

/** The whole backup as events; nothing is downloaded until the first event is asked for. */
export async function* streamBackup(
  store: BackupStore,
  item: CatalogItem,
  signal: AbortSignal,
): AsyncGenerator<BackupEvent> {
  yield* readBackup(await store.get(item.key, { signal }), item.manifest);
}

async function readMetadata(
  store: BackupStore,
  item: CatalogItem,
  signal: AbortSignal,
): Promise<BackupMetadata> {
  const source = await store.get(item.key, { signal });
  for await (const event of readBackup(source, item.manifest, {
    metadataOnly: true,
    metadataByteLimit: METADATA_BYTE_LIMIT,
  })) {
    if (event.kind === 'metadata') return event.metadata;
  }
  throw new BackupReadError('the document has no metadata entry');
}
