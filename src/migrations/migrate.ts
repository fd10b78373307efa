import { Migrator, sql, type Migration, type MigrationResultSet } from 'kysely';
import type { Database } from '../db/database.js';
import { OperationError } from '../errors.js';
import { BACKUP_SCHEDULE_TICKS_TABLE, backupScheduleTicksTable } from './backup-schedule-ticks-table.js';
import { databaseIdentityTable, IDENTITY_TABLE } from './database-identity-table.js';
import { foodfleetTables } from './foodfleet-tables.js';
import { LOGIN_THROTTLE_TABLE, loginThrottleTable } from './login-throttle-table.js';
import { trackingTables } from './tracking-tables.js';
import { MEMO_TABLE, upsertMemos } from './upsert-memos.js';
import { DEFAULT_PASSWORD_TABLE, defaultPasswordHashes } from './default-password-hashes.js';

/** The tool's own migration bookkeeping tables: never the app's, never backed up. */
export const TOOL_TABLES = [
  'seeder_executions',
  'foodfleet_seed_migrations',
  'foodfleet_seed_migrations_lock',
  'foodfleet_seed_tracking_migrations',
  'foodfleet_seed_tracking_migrations_lock',
  MEMO_TABLE,
  IDENTITY_TABLE,
  LOGIN_THROTTLE_TABLE,
  BACKUP_SCHEDULE_TICKS_TABLE,
  DEFAULT_PASSWORD_TABLE,
] as const;

const SETS = {
  tracking: {
    table: 'foodfleet_seed_tracking_migrations',
    migrations: (schema: string) => ({
      '0001_seeder_executions': trackingTables,
      '0002_database_identity': databaseIdentityTable(schema),
      '0003_login_throttle': loginThrottleTable,
      '0004_backup_schedule_ticks': backupScheduleTicksTable,
    }),
  },
  foodfleet: {
    table: 'foodfleet_seed_migrations',
    migrations: (schema: string) => ({
      '0001_foodfleet_tables': foodfleetTables,
      '0002_upsert_memos': upsertMemos(schema),
      '0003_default_password_hash': defaultPasswordHashes(schema),
    }),
  },
} satisfies Record<string, { table: string; migrations: (schema: string) => Record<string, Migration> }>;

/**
 * Each of the tool's migration tables with the migrations this version knows for it, in order:
 * what `doctor` compares the applied ones with (it never runs the migrator).
 */
export function knownMigrations(schema: string): Array<{ table: string; names: string[] }> {
  return Object.values(SETS).map((set) => ({ table: set.table, names: Object.keys(set.migrations(schema)) }));
}

export interface MigrationOutcome {
  applied: string[];
}

/** Creates the tool's tracking table (every command may do this). */
export function migrateTracking(database: Database): Promise<MigrationOutcome> {
  return migrateSet(database, 'tracking');
}

/** Creates the FoodFleet tables (only `migrate`, `run` and `reset`). */
export async function migrateAll(database: Database): Promise<MigrationOutcome> {
  const tracking = await migrateSet(database, 'tracking');
  const foodfleet = await migrateSet(database, 'foodfleet');
  return { applied: [...tracking.applied, ...foodfleet.applied] };
}

async function migrateSet(database: Database, name: keyof typeof SETS): Promise<MigrationOutcome> {
  const set = SETS[name];
  const migrations = set.migrations(database.schema);
  if (await upToDate(database, set.table, Object.keys(migrations))) return { applied: [] };
  await ensureSchema(database);
  const migrator = new Migrator({
    db: database.kysely,
    provider: { getMigrations: async () => migrations },
    migrationTableName: set.table,
    migrationLockTableName: `${set.table}_lock`,
    migrationTableSchema: database.schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new OperationError(
      'OPERATION_FAILED',
      `Migration ${failed} failed: ${(error as Error).message}. It was rolled back; the schema is as before.`,
      { cause: error },
    );
  }
  return { applied: appliedNames(results) };
}

/**
 * Every command checks the migrations first. Kysely's Migrator spends a dozen round trips on it
 * (introspecting the catalog for its tables, the lock row, a locked transaction) even when nothing
 * is pending: one read of the executed names answers that common case. Anything else — the table
 * missing, a name pending, a name this version does not know — goes through the Migrator as before.
 */
async function upToDate(database: Database, table: string, names: readonly string[]): Promise<boolean> {
  let executed: string[];
  try {
    const { rows } = await sql<{
      name: string;
    }>`select name from ${sql.id(database.schema, table)}`.execute(database.kysely);
    executed = rows.map((row) => row.name);
  } catch {
    return false;
  }
  return executed.length === names.length && names.every((name) => executed.includes(name));
}

function appliedNames(results: MigrationResultSet['results']): string[] {
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists: check
 * first. Two processes creating it at once can still collide (the loser gets a unique violation
 * on pg_namespace, IF NOT EXISTS notwithstanding): the schema existing afterwards is success.
 */
async function ensureSchema(database: Database): Promise<void> {
  const exists = async () =>
    (
      await sql<{
        found: number;
      }>`select 1 as found from pg_namespace where nspname = ${database.schema}`.execute(database.kysely)
    ).rows.length > 0;
  if (await exists()) return;
  try {
    await sql`create schema if not exists ${sql.id(database.schema)}`.execute(database.kysely);
  } catch (error) {
    if (!(await exists())) throw error;
  }
}
