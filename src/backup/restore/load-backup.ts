import type { BackupMetadata } from '../format.js';
import { dropForeignKeys, restoreForeignKeys } from './foreign-keys.js';
import { isConnectionLost, lostCause } from '../../db/connection-lost.js';
import { ConnectionLostError } from '../../errors.js';
import type { Queryable } from './live-schema.js';
import type { CopyWriter, LoadSession } from './load-session.js';
import type { RestorePlan, SequencePlan, TablePlan } from './plan-restore.js';
import type { BackupEvent } from './read-backup.js';
import { qualified } from '../../db/quote.js';
import { withPartitions } from './relations.js';
import { clearTables } from './clear-tables.js';
import { disableUserTriggers, enableTriggers } from './triggers.js';

export interface LoadRequest {
  session: LoadSession;
  schema: string;
  /** The backup, streamed: metadata first, then row batches; throws if it does not match its manifest. */
  events: AsyncIterable<BackupEvent>;
  /** Checks the metadata against the live schema inside the transaction (throws to refuse). */
  plan(metadata: BackupMetadata): Promise<RestorePlan>;
  signal: AbortSignal;
  /** Wait at most this long for each table lock (the application may hold them). */
  lockTimeoutMs: number;
  onProgress(progress: { table: string; rows: number; compressedBytes: number }): void;
}

export interface LoadOutcome {
  tables: Record<string, number>;
  warnings: string[];
}

interface OpenCopy {
  table: string;
  copy: CopyWriter;
  rows: number;
}

type SequenceChange = SequencePlan & { before: { last_value: string; is_called: boolean } };

/**
 * Replaces the backed-up tables' rows in ONE transaction: lock, switch user triggers off, take
 * foreign keys off, empty, stream every row in, put keys and triggers back (the keys check every
 * row), set sequences, commit. The reader verifies size, SHA-256 and row counts before its last
 * event, so nothing commits unless the whole backup matched its manifest. Any failure rolls
 * everything back — including sequences, which PostgreSQL does not roll back by itself.
 */
export async function loadBackup(request: LoadRequest): Promise<LoadOutcome> {
  const { session } = request;
  const changedSequences: SequenceChange[] = [];
  const iterator = request.events[Symbol.asyncIterator]();
  await session.query('begin');
  try {
    const outcome = await loadInTransaction(request, iterator, changedSequences);
    // COMMIT is never cancelled (cancellable-backend.ts): a Ctrl-C that came after the last
    // statement had finished stops the restore here.
    request.signal.throwIfAborted();
    await (session.commit ? session.commit() : session.query('commit'));
    return outcome;
  } catch (error) {
    await session.query('rollback').catch(() => undefined);
    // A lost session cannot put the sequences back: another one can — unless the transaction
    // may have committed after all, and the sequences are right as they are.
    const lost = lostCause(error);
    const mayHaveCommitted = lost instanceof ConnectionLostError && lost.outcomeUnknown;
    const repairs = isConnectionLost(error) ? (session.repairs ?? session) : session;
    if (!mayHaveCommitted) await undoSequences(repairs, changedSequences).catch(() => undefined);
    throw error;
  } finally {
    // Stops the download when the load ended early; a no-op after the last event.
    await iterator.return?.();
  }
}

async function loadInTransaction(
  request: LoadRequest,
  iterator: AsyncIterator<BackupEvent>,
  changedSequences: SequenceChange[],
): Promise<LoadOutcome> {
  const { session, schema } = request;
  await session.query(`set local lock_timeout = ${Math.max(0, Math.round(request.lockTimeoutMs))}`);
  const first = await iterator.next();
  if (first.done || first.value.kind !== 'metadata')
    throw new Error('the backup document does not start with its metadata');
  const plan = await request.plan(first.value.metadata);

  const relations = await withPartitions(
    session,
    plan.tables.map((t) => t.oid),
  );
  const relationOids = relations.map((r) => r.oid);
  const names = plan.tables.map((t) => qualified(schema, t.name));
  if (names.length > 0) await session.query(`lock table ${names.join(', ')} in access exclusive mode`);
  const triggers = await disableUserTriggers(session, relationOids);
  const foreignKeys = await dropForeignKeys(session, relationOids);
  await clearTables(session, schema, plan.tables);
  const tables = await loadRows(request, iterator, new Map(plan.tables.map((t) => [t.name, t])));
  await restoreForeignKeys(session, foreignKeys, request.signal);
  await enableTriggers(session, triggers);
  // Deferred constraints are checked now, not at COMMIT: sequences move only once nothing else can fail.
  await session.query('set constraints all immediate');
  for (const sequence of plan.sequences) {
    const [before] = await session.query<{ last_value: string; is_called: boolean }>(
      `select last_value::text as last_value, is_called from ${qualified(schema, sequence.name)}`,
    );
    if (before) changedSequences.push({ ...sequence, before });
    await setSequence(session, sequence.oid, sequence.lastValue, sequence.isCalled);
  }
  return { tables, warnings: plan.warnings };
}

/** Streams the row batches into one COPY per table; returns rows stored per table. */
async function loadRows(
  request: LoadRequest,
  iterator: AsyncIterator<BackupEvent>,
  plans: ReadonlyMap<string, TablePlan>,
): Promise<Record<string, number>> {
  const { session, schema, signal } = request;
  const tables: Record<string, number> = {};
  let writer: OpenCopy | null = null;
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      signal.throwIfAborted();
      const event = next.value;
      if (event.kind === 'metadata') throw new Error('the backup document has a second metadata entry');
      const plan = plans.get(event.table);
      if (!plan) throw new Error(`table "${event.table}" is not in the restore plan`);
      if (event.kind === 'rows') {
        const open: OpenCopy =
          writer !== null && (writer as OpenCopy).table === event.table
            ? writer
            : {
                table: event.table,
                copy: session.copyIn(qualified(schema, plan.name), plan.columns),
                rows: 0,
              };
        writer = open;
        await open.copy.write(event.rows);
        open.rows += event.rows.length;
        request.onProgress({ table: event.table, rows: open.rows, compressedBytes: event.compressedBytes });
      } else {
        const open = writer as OpenCopy | null;
        const stored = open?.table === event.table ? await open.copy.end() : 0;
        writer = null;
        if (stored !== event.rows)
          throw new Error(
            `table "${event.table}": the database stored ${stored} rows of the ${event.rows} read`,
          );
        tables[event.table] = stored;
      }
    }
  } catch (error) {
    await (writer as OpenCopy | null)?.copy.abort();
    throw error;
  }
  return tables;
}

/** setval is not transactional: after a rollback, put every sequence already moved back where it was. */
async function undoSequences(session: Queryable, changed: readonly SequenceChange[]): Promise<void> {
  for (const sequence of changed)
    await setSequence(session, sequence.oid, sequence.before.last_value, sequence.before.is_called);
}

function setSequence(session: Queryable, oid: string, value: string, isCalled: boolean): Promise<unknown> {
  return session.query('select pg_catalog.setval($1::oid::regclass, $2::bigint, $3::boolean)', [
    oid,
    value,
    isCalled,
  ]);
}
