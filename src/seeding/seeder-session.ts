import type { AnyKysely } from '../db/any-kysely.js';
import type { CopyIn } from '../db/copy-writer.js';
import { Mutex } from '../util/mutex.js';
import { copyableRows } from './copy-rows.js';
import { type BulkTarget, canCreateTempTables, findBulkTarget, upsertViaCopy } from './copy-upsert.js';
import { Counter } from './counter.js';
import { jsonColumnsOf } from './json-rows.js';
import { type LinkRows, syncLinkRows } from './link-sync.js';
import type { SeederContext, UpsertStatus } from './seeder.js';
import { countUpserted, type Row, type UpsertSpec, upsertBatch } from './sql-helpers.js';
import { upsertByStatements } from './statement-upsert.js';
import type { MemoKey } from './upsert-memo.js';

/** From this many rows upsertMany goes through COPY: below it a staging table's catalog writes cost more than they save. */
const COPY_MIN_ROWS = 2_000;

/** `Seeder`'s `UpsertOptions` with column names as plain strings. */
interface Options {
  conflict: readonly string[];
  update?: readonly string[] | 'none' | undefined;
  touch?: string | undefined;
}

/**
 * One seeder's part of one run: the transaction, the COPY channel, the counts and the catalog
 * lookups cached for the run. The runner creates a session per seeder per run; `Seeder`'s
 * helpers only translate their typed signatures to it.
 */
export class SeederSession {
  readonly #seeder: string;
  readonly db: AnyKysely;
  readonly context: SeederContext;
  readonly #copyIn: CopyIn | null;
  readonly #counter = new Counter();
  #canStage: Promise<boolean> | undefined;
  readonly #bulkTargets = new Map<string, Promise<BulkTarget>>();
  /** Bulk calls per table in this run: the n-th call on a table keeps the n-th memo. */
  readonly #bulkCalls = new Map<string, number>();
  /** json/jsonb columns per table, looked up once per run rather than once per upsert. */
  readonly #jsonColumns = new Map<string, Promise<Map<string, 'json' | 'jsonb'>>>();
  /**
   * The helpers share the run's one database session: a bulk upsert's savepoint would take a
   * concurrent call's writes with it if undone, so calls made at once (Promise.all) run one
   * after another.
   */
  readonly #mutex = new Mutex();

  constructor(seeder: string, db: AnyKysely, context: SeederContext, copyIn: CopyIn | null) {
    this.#seeder = seeder;
    this.db = db;
    this.context = context;
    this.#copyIn = copyIn;
  }

  counts(): { created: number; updated: number; deleted: number } {
    return this.#counter.totals();
  }

  getOrCreate(table: string, where: Row, defaults: Row): Promise<{ row: Row; created: boolean }> {
    return this.#exclusive(async () => {
      let query = this.db.selectFrom(table).selectAll();
      for (const [column, value] of Object.entries(where)) {
        query = value === null ? query.where(column, 'is', null) : query.where(column, '=', value);
      }
      const existing: Row | undefined = await query.limit(1).executeTakeFirst();
      if (existing) return { row: existing, created: false };
      const row: Row = await this.db
        .insertInto(table)
        .values({ ...defaults, ...where })
        .returningAll()
        .executeTakeFirstOrThrow();
      this.#counter.mark('created', entityKey(table, row, where));
      return { row, created: true };
    });
  }

  upsert(table: string, values: Row, options: Options): Promise<{ row: Row; status: UpsertStatus }> {
    return this.#exclusive(async () => {
      const spec = {
        ...toSpec(table, Object.keys(values), options),
        jsonColumns: await this.#jsonColumnsOf(table),
      };
      const [result] = await upsertBatch(this.db, spec, [values]);
      if (result) {
        const status = result.inserted ? 'created' : 'updated';
        this.#counter.mark(status, entityKey(table, result.row, pick(values, spec.conflict)));
        return { row: result.row, status };
      }
      const row = (await this.#findByKey(table, pick(values, spec.conflict))) as Row;
      return { row, status: 'unchanged' };
    });
  }

  upsertMany(
    table: string,
    rows: readonly Row[],
    options: Options,
  ): Promise<{ created: number; updated: number; unchanged: number }> {
    return this.#exclusive(async () => {
      const first = rows[0];
      if (!first) return { created: 0, updated: 0, unchanged: 0 };
      const columns = Object.keys(first);
      const { db, context } = this;
      const spec = { ...toSpec(table, columns, options), jsonColumns: await this.#jsonColumnsOf(table) };
      const copied =
        this.#copyIn && copyableCall(rows, spec, columns)
          ? await upsertViaCopy({
              db,
              copyIn: this.#copyIn,
              spec,
              target: await this.#bulkTarget(table, spec.conflict),
              columns,
              rows,
              signal: context.signal,
              canStage: () => (this.#canStage ??= canCreateTempTables(db)),
              memo: this.#memoKey(table),
            })
          : null;
      const totals =
        copied ?? countUpserted(await upsertByStatements(db, spec, columns, rows, context.signal));
      this.#counter.add('created', totals.created);
      this.#counter.add('updated', totals.updated);
      return { ...totals, unchanged: rows.length - totals.created - totals.updated };
    });
  }

  deleteWhere(table: string, where: Row): Promise<number> {
    return this.#exclusive(async () => {
      let query = this.db.deleteFrom(table);
      for (const [column, value] of Object.entries(where)) query = query.where(column, '=', value);
      const result = await query.executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      this.#counter.add('deleted', deleted);
      return deleted;
    });
  }

  syncLinks(sync: LinkRows): Promise<{ added: number; removed: number }> {
    return this.#exclusive(async () => {
      const changed = await syncLinkRows(this.db, sync);
      if (changed.added + changed.removed > 0)
        this.#counter.mark('updated', `${sync.countAs[0]}:${sync.countAs[1]}`);
      return changed;
    });
  }

  #memoKey(table: string): MemoKey {
    const call = (this.#bulkCalls.get(table) ?? 0) + 1;
    this.#bulkCalls.set(table, call);
    return { seeder: this.#seeder, call: `${table}#${call}`, schema: this.context.schema };
  }

  async #exclusive<T>(work: () => Promise<T>): Promise<T> {
    await this.#mutex.lock();
    try {
      return await work();
    } finally {
      this.#mutex.unlock();
    }
  }

  #bulkTarget(table: string, conflict: readonly string[]): Promise<BulkTarget> {
    return cached(this.#bulkTargets, JSON.stringify([table, conflict]), () =>
      findBulkTarget(this.db, this.context.schema, table, conflict),
    );
  }

  #jsonColumnsOf(table: string): Promise<Map<string, 'json' | 'jsonb'>> {
    return cached(this.#jsonColumns, table, () => jsonColumnsOf(this.db, this.context.schema, table));
  }

  async #findByKey(table: string, key: Row): Promise<Row | undefined> {
    let query = this.db.selectFrom(table).selectAll();
    for (const [column, value] of Object.entries(key)) query = query.where(column, '=', value);
    return query.executeTakeFirst();
  }
}

/**
 * Each seeder's session in its current run. Kept beside the class rather than in a field of it,
 * so that subclasses and the published typings see nothing of the run machinery.
 */
const sessions = new WeakMap<object, SeederSession>();

/** Makes `session` the one `seeder`'s helpers, `db` and `context` use (the runner, before `run()`). */
export function attachSession(seeder: object, session: SeederSession): void {
  sessions.set(seeder, session);
}

/** The session attached to `seeder`, if it was ever run. */
export function sessionOf(seeder: object): SeederSession | undefined {
  return sessions.get(seeder);
}

function toSpec(table: string, columns: string[], options: Options) {
  return { table, conflict: options.conflict, update: options.update ?? columns, touch: options.touch };
}

/**
 * Whether a call may go by COPY: enough rows to pay for it, plain values only, and the key and
 * update columns among the given ones (the staging table holds those columns only).
 */
function copyableCall(rows: readonly Row[], spec: UpsertSpec, columns: readonly string[]): boolean {
  if (rows.length < COPY_MIN_ROWS || !copyableRows(rows, columns)) return false;
  const needed = [...spec.conflict, ...(spec.update === 'none' ? [] : spec.update)];
  return needed.every((column) => columns.includes(column));
}

/** The catalog lookup for `key`, made once per run and shared by every call that needs it. */
function cached<T>(cache: Map<string, Promise<T>>, key: string, lookUp: () => Promise<T>): Promise<T> {
  let found = cache.get(key);
  if (!found) {
    found = lookUp();
    cache.set(key, found);
  }
  return found;
}

function pick(row: Row, columns: readonly string[]): Row {
  return Object.fromEntries(columns.map((c) => [c, row[c]]));
}

/** Identity of an entity for counting: its `id` when it has one, else its key values. */
function entityKey(table: string, row: Row, key: Row): string {
  return `${table}:${row.id !== undefined ? String(row.id) : JSON.stringify(key)}`;
}
