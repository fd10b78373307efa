import type { Insertable, Kysely, Selectable } from 'kysely';
import type { FoodFleetDatabase } from '../schema.js';
import { Counter } from './counter.js';
import {
  batchSize,
  chunks,
  countUpserted,
  selectFromJson,
  upsertBatch,
  type Row,
  type UpsertSpec,
} from './sql-helpers.js';
import { jsonColumnsOf, toJsonPayload } from './json-rows.js';
import type { CopyIn } from '../db/copy-writer.js';
import { copyableRows } from './copy-rows.js';
import { canCreateTempTables, findBulkTarget, upsertViaCopy, type BulkTarget } from './copy-upsert.js';
import type { MemoKey } from './upsert-memo.js';
import { Mutex } from '../util/mutex.js';

/** Rows per json_populate_recordset statement: large enough to amortize round trips, small enough to bound memory. */
const JSON_BATCH_ROWS = 10_000;
/** From this many rows upsertMany goes through COPY: below it a staging table's catalog writes cost more than they save. */
const COPY_MIN_ROWS = 2_000;

/** What a seeder can see of the run besides the database. */
export interface SeederContext {
  /** `NODE_ENV=production`. */
  readonly production: boolean;
  /** `environment` from config (development, staging, production, …). */
  readonly environment: string;
  /** The schema the seeded tables live in (for raw SQL: `sql.id(this.context.schema, 'table')`). */
  readonly schema: string;
  readonly superadmin: { readonly email: string; readonly password?: string | undefined };
  /** Aborted on Ctrl-C / SIGTERM; long loops may check it. */
  readonly signal: AbortSignal;
  /** A warning shown to the operator and returned in the run's `warnings`. */
  warn(message: string): void;
}

export type UpsertStatus = 'created' | 'updated' | 'unchanged';

type TableName<DB> = keyof DB & string;
type ColumnOf<DB, T extends TableName<DB>> = keyof DB[T] & string;

export interface UpsertOptions<DB, T extends TableName<DB>> {
  /** Columns of the unique key that identifies the row. */
  conflict: readonly ColumnOf<DB, T>[];
  /** Columns to overwrite on an existing row: default every given column; `'none'` never overwrites. */
  update?: readonly ColumnOf<DB, T>[] | 'none';
  /** Column set to now() when a row really changes (default `updated_at` when given the name). */
  touch?: ColumnOf<DB, T>;
}

export interface LinkSync<DB, T extends TableName<DB>> {
  /** The link table, e.g. `role_permissions`. */
  table: T;
  /** Owner column and id, e.g. `['role_id', 5]`. */
  owner: readonly [ColumnOf<DB, T>, number | string];
  /** The linked column, e.g. `permission_id`, and the ids that must be linked. */
  target: ColumnOf<DB, T>;
  ids: readonly (number | string)[];
  /** `exact` also removes links not listed; `add` keeps extra links an operator made. */
  mode: 'exact' | 'add';
  /** The entity that counts as updated when links change, e.g. `['roles', 5]`. */
  countAs: readonly [string, number | string];
}

/**
 * Base class of every seeder. Declare `name`, `tables` (what it writes) and `dependsOn`
 * (seeders that must run first), implement `run()`, and write through the helpers: they count
 * created / updated / deleted entities themselves.
 */
export abstract class Seeder<DB = FoodFleetDatabase> {
  /** Unique name, shown in results (e.g. `RestaurantsSeeder`). */
  abstract readonly name: string;
  /** Names of seeders that must run before this one. */
  readonly dependsOn: readonly string[] = [];
  /** Tables this seeder writes (`reset` empties them before reseeding). */
  readonly tables: readonly string[] = [];

  #db: Kysely<DB> | undefined;
  #context: SeederContext | undefined;
  #counter = new Counter();
  #copyIn: CopyIn | null = null;
  #canStage: Promise<boolean> | undefined;
  #bulkTargets = new Map<string, Promise<BulkTarget>>();
  /** Bulk calls per table in this run: the n-th call on a table keeps the n-th memo. */
  #bulkCalls = new Map<string, number>();
  /** json/jsonb columns per table, looked up once per run rather than once per upsert. */
  #jsonColumns = new Map<string, Promise<Map<string, 'json' | 'jsonb'>>>();
  /**
   * The helpers share the run's one session: a bulk upsert's savepoint would take a concurrent
   * call's writes with it if undone, so calls made at once (Promise.all) run one after another.
   */
  #session = new Mutex();

  /** Seeds the data. Runs inside the run's single transaction. */
  abstract run(): Promise<void>;

  /**
   * Optional check before the backup and the transaction (read-only by convention): throw to
   * refuse the whole run with nothing touched.
   */
  async preflight(_db: Kysely<DB>, _context: SeederContext): Promise<void> {}

  /** The run's transaction. */
  protected get db(): Kysely<DB> {
    if (!this.#db) throw new Error(`${this.name}: the database is only available inside run()`);
    return this.#db;
  }

  protected get context(): SeederContext {
    if (!this.#context) throw new Error(`${this.name}: the context is only available inside run()`);
    return this.#context;
  }

  /** @internal Called by the runner before `run()`. */
  bind(db: Kysely<DB>, context: SeederContext, copyIn: CopyIn | null = null): void {
    this.#db = db;
    this.#context = context;
    this.#copyIn = copyIn;
    this.#canStage = undefined;
    this.#bulkTargets = new Map();
    this.#bulkCalls = new Map();
    this.#counter = new Counter();
    this.#jsonColumns = new Map();
  }

  /** @internal Counts after `run()`. */
  counts(): { created: number; updated: number; deleted: number } {
    return this.#counter.totals();
  }

  /** Returns the row matching `where`, creating it with `where` + `defaults` when missing. */
  protected async getOrCreate<T extends TableName<DB>>(
    table: T,
    where: Partial<Insertable<DB[T]>>,
    defaults: Partial<Insertable<DB[T]>> = {},
  ): Promise<{ row: Selectable<DB[T]>; created: boolean }> {
    return this.#exclusive(async () => {
      const db = this.db as unknown as Kysely<any>;
      let query = db.selectFrom(table).selectAll();
      for (const [column, value] of Object.entries(where)) {
        query = value === null ? query.where(column, 'is', null) : query.where(column, '=', value);
      }
      const existing = await query.limit(1).executeTakeFirst();
      if (existing) return { row: existing as Selectable<DB[T]>, created: false };
      const row = await db
        .insertInto(table)
        .values({ ...defaults, ...where })
        .returningAll()
        .executeTakeFirstOrThrow();
      this.#counter.mark('created', entityKey(table, row, where));
      return { row: row as Selectable<DB[T]>, created: true };
    });
  }

  /** Inserts or updates one row by its unique key; an unchanged row is not rewritten. */
  protected async upsert<T extends TableName<DB>>(
    table: T,
    values: Insertable<DB[T]>,
    options: UpsertOptions<DB, T>,
  ): Promise<{ row: Selectable<DB[T]>; status: UpsertStatus }> {
    return this.#exclusive(async () => {
      const db = this.db as unknown as Kysely<any>;
      const spec = {
        ...toSpec(table, Object.keys(values as Row), options),
        jsonColumns: await this.#jsonColumnsOf(table),
      };
      const [result] = await upsertBatch(db, spec, [values as Row]);
      if (result) {
        const status = result.inserted ? 'created' : 'updated';
        this.#counter.mark(status, entityKey(table, result.row, pick(values as Row, spec.conflict)));
        return { row: result.row as Selectable<DB[T]>, status };
      }
      const row = await this.#findByKey(table, pick(values as Row, spec.conflict));
      return { row: row as Selectable<DB[T]>, status: 'unchanged' };
    });
  }

  /**
   * Upserts many rows and returns how many were created, updated and left unchanged. On
   * PostgreSQL, 2,000 rows or more go by COPY (see `copy-upsert.ts`) and count as ONE statement:
   * a unique key given twice is an error, as in any single INSERT … ON CONFLICT DO UPDATE.
   * Smaller sets, the embedded engine, and rows holding SQL expressions or leaving a column out
   * go by statements of up to 10,000 rows.
   */
  protected async upsertMany<T extends TableName<DB>>(
    table: T,
    rows: readonly Insertable<DB[T]>[],
    options: UpsertOptions<DB, T>,
  ): Promise<{ created: number; updated: number; unchanged: number }> {
    return this.#exclusive(async () => {
      const first = rows[0] as Row | undefined;
      if (!first) return { created: 0, updated: 0, unchanged: 0 };
      const columns = Object.keys(first);
      const db = this.db as unknown as Kysely<any>;
      const spec = { ...toSpec(table, columns, options), jsonColumns: await this.#jsonColumnsOf(table) };
      const all = rows as readonly Row[];
      const copied =
        this.#copyIn && copyableCall(all, spec, columns)
          ? await upsertViaCopy({
              db,
              copyIn: this.#copyIn,
              spec,
              target: await this.#bulkTarget(table, spec.conflict),
              columns,
              rows: all,
              signal: this.context.signal,
              canStage: () => (this.#canStage ??= canCreateTempTables(db)),
              memo: this.#memoKey(table),
            })
          : null;
      const totals = copied ?? countUpserted(await this.#upsertByStatements(db, spec, columns, all));
      this.#counter.add('created', totals.created);
      this.#counter.add('updated', totals.updated);
      return { ...totals, unchanged: rows.length - totals.created - totals.updated };
    });
  }

  #memoKey(table: string): MemoKey {
    const call = (this.#bulkCalls.get(table) ?? 0) + 1;
    this.#bulkCalls.set(table, call);
    return { seeder: this.name, call: `${table}#${call}`, schema: this.context.schema };
  }

  async #exclusive<T>(work: () => Promise<T>): Promise<T> {
    await this.#session.lock();
    try {
      return await work();
    } finally {
      this.#session.unlock();
    }
  }

  #bulkTarget(table: string, conflict: readonly string[]): Promise<BulkTarget> {
    return cached(this.#bulkTargets, JSON.stringify([table, conflict]), () =>
      findBulkTarget(this.db as unknown as Kysely<any>, this.context.schema, table, conflict),
    );
  }

  /** Each batch as ONE json parameter; rows without an exact JSON form fall back to bind parameters. */
  async #upsertByStatements(
    db: Kysely<any>,
    spec: UpsertSpec,
    columns: string[],
    rows: readonly Row[],
  ): Promise<{ inserted: boolean }[]> {
    const changed: { inserted: boolean }[] = [];
    for (const batch of chunks(rows, JSON_BATCH_ROWS)) {
      this.context.signal.throwIfAborted();
      const payload = toJsonPayload(batch, columns, spec.jsonColumns ?? new Map());
      const from = payload ? { columns, select: selectFromJson(spec, columns, payload) } : undefined;
      changed.push(
        ...(from
          ? await upsertBatch(db, spec, batch, { returnRows: false, from })
          : await this.#upsertWithParameters(db, spec, batch)),
      );
    }
    return changed;
  }

  /** The fallback for rows without an exact JSON form: batches within the bind-parameter limit. */
  async #upsertWithParameters(db: Kysely<any>, spec: UpsertSpec, rows: readonly Row[]) {
    const results = [];
    for (const batch of chunks(rows, batchSize(Object.keys(rows[0] ?? {}).length))) {
      results.push(...(await upsertBatch(db, spec, batch, { returnRows: false })));
    }
    return results;
  }

  /** Deletes matching rows and counts them as deleted. */
  protected async deleteWhere<T extends TableName<DB>>(
    table: T,
    where: Partial<Insertable<DB[T]>>,
  ): Promise<number> {
    return this.#exclusive(async () => {
      let query = (this.db as unknown as Kysely<any>).deleteFrom(table as string);
      for (const [column, value] of Object.entries(where)) query = query.where(column, '=', value);
      const result = await query.executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      this.#counter.add('deleted', deleted);
      return deleted;
    });
  }

  /**
   * Brings a link table (e.g. role → permissions) to the wanted set. Link rows are not counted;
   * the owning entity counts once as updated when its links changed.
   */
  protected async syncLinks<T extends TableName<DB>>(
    sync: LinkSync<DB, T>,
  ): Promise<{ added: number; removed: number }> {
    return this.#exclusive(async () => {
      const db = this.db as unknown as Kysely<any>;
      const table: string = sync.table;
      const target: string = sync.target;
      const ownerColumn: string = sync.owner[0];
      const ownerId = sync.owner[1];
      const current: Row[] = await db
        .selectFrom(table)
        .select(target)
        .where(ownerColumn, '=', ownerId)
        .execute();
      const have = new Set(current.map((r) => String(r[target])));
      const want = new Set(sync.ids.map(String));
      const toAdd = sync.ids.filter((id) => !have.has(String(id)));
      const toRemove =
        sync.mode === 'exact' ? current.map((r) => r[target]).filter((id) => !want.has(String(id))) : [];
      if (toAdd.length > 0) {
        await db
          .insertInto(table)
          .values(toAdd.map((id) => ({ [ownerColumn]: ownerId, [target]: id })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      if (toRemove.length > 0) {
        await db.deleteFrom(table).where(ownerColumn, '=', ownerId).where(target, 'in', toRemove).execute();
      }
      if (toAdd.length + toRemove.length > 0)
        this.#counter.mark('updated', `${sync.countAs[0]}:${sync.countAs[1]}`);
      return { added: toAdd.length, removed: toRemove.length };
    });
  }

  #jsonColumnsOf(table: string): Promise<Map<string, 'json' | 'jsonb'>> {
    return cached(this.#jsonColumns, table, () =>
      jsonColumnsOf(this.db as unknown as Kysely<any>, this.context.schema, table),
    );
  }

  async #findByKey(table: string, key: Row): Promise<Row | undefined> {
    let query = (this.db as unknown as Kysely<any>).selectFrom(table).selectAll();
    for (const [column, value] of Object.entries(key)) query = query.where(column, '=', value);
    return query.executeTakeFirst();
  }
}

function toSpec(
  table: string,
  columns: string[],
  options: { conflict: readonly string[]; update?: readonly string[] | 'none'; touch?: string },
) {
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
