import type { Insertable, Kysely, Selectable } from 'kysely';
import type { FoodFleetDatabase } from '../schema.js';
import type { CopyIn } from '../db/copy-writer.js';
import { attachSession, SeederSession, sessionOf } from './seeder-session.js';
import type { Row } from './sql-helpers.js';

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

  /** Seeds the data. Runs inside the run's single transaction. */
  abstract run(): Promise<void>;

  /**
   * Optional check before the backup and the transaction (read-only by convention): throw to
   * refuse the whole run with nothing touched.
   */
  async preflight(_db: Kysely<DB>, _context: SeederContext): Promise<void> {}

  /** The run's transaction. */
  protected get db(): Kysely<DB> {
    return running(this, 'database').db;
  }

  protected get context(): SeederContext {
    return running(this, 'context').context;
  }

  /** @internal Binds the seeder to a run (the runner attaches its session itself). */
  bind(db: Kysely<DB>, context: SeederContext, copyIn: CopyIn | null = null): void {
    attachSession(this, new SeederSession(this.name, db, context, copyIn));
  }

  /** @internal Counts after `run()`. */
  counts(): { created: number; updated: number; deleted: number } {
    return sessionOf(this)?.counts() ?? { created: 0, updated: 0, deleted: 0 };
  }

  /** Returns the row matching `where`, creating it with `where` + `defaults` when missing. */
  protected async getOrCreate<T extends TableName<DB>>(
    table: T,
    where: Partial<Insertable<DB[T]>>,
    defaults: Partial<Insertable<DB[T]>> = {},
  ): Promise<{ row: Selectable<DB[T]>; created: boolean }> {
    const { row, created } = await running(this, 'database').getOrCreate(
      table,
      where as Row,
      defaults as Row,
    );
    return { row: row as Selectable<DB[T]>, created };
  }

  /** Inserts or updates one row by its unique key; an unchanged row is not rewritten. */
  protected async upsert<T extends TableName<DB>>(
    table: T,
    values: Insertable<DB[T]>,
    options: UpsertOptions<DB, T>,
  ): Promise<{ row: Selectable<DB[T]>; status: UpsertStatus }> {
    const { row, status } = await running(this, 'database').upsert(table, values as Row, options);
    return { row: row as Selectable<DB[T]>, status };
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
    return running(this, 'database').upsertMany(table, rows as readonly Row[], options);
  }

  /** Deletes matching rows and counts them as deleted. */
  protected async deleteWhere<T extends TableName<DB>>(
    table: T,
    where: Partial<Insertable<DB[T]>>,
  ): Promise<number> {
    return running(this, 'database').deleteWhere(table, where as Row);
  }

  /**
   * Brings a link table (e.g. role → permissions) to the wanted set. Link rows are not counted;
   * the owning entity counts once as updated when its links changed.
   */
  protected async syncLinks<T extends TableName<DB>>(
    sync: LinkSync<DB, T>,
  ): Promise<{ added: number; removed: number }> {
    return running(this, 'database').syncLinks(sync);
  }
}

/** The session of the run `seeder` is in; outside a run, an error naming what was asked for. */
function running(seeder: { readonly name: string }, wanted: 'database' | 'context'): SeederSession {
  const session = sessionOf(seeder);
  if (!session) throw new Error(`${seeder.name}: the ${wanted} is only available inside run()`);
  return session;
}
