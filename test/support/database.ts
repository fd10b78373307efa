import pg from 'pg';
import { afterAll } from 'vitest';
import { pgAdminUrl } from './provided.js';
import { uniqueName } from './unique.js';

export interface FreshDatabase {
  /** Connection URL of the new database (same server and credentials as the admin URL). */
  url: string;
  name: string;
  /** Runs one statement on the database and returns its rows. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
  ): Promise<R[]>;
  /** Closes the helper's connections and drops the database (WITH (FORCE)). Idempotent. */
  close(): Promise<void>;
}

const open = new Set<FreshDatabase>();

/**
 * Creates a brand-new, uniquely named database on the test server.
 * Convention: one per test file, created in beforeAll and closed in afterAll
 * (anything left open is dropped after the file anyway).
 */
export async function freshDatabase(name?: string): Promise<FreshDatabase> {
  const adminUrl = pgAdminUrl();
  const dbName = uniqueName('ffs', name, '_');
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${admin.escapeIdentifier(dbName)}`));

  const url = databaseUrl(adminUrl, dbName);
  let pool: pg.Pool | undefined;
  let closing: Promise<void> | undefined;
  const database: FreshDatabase = {
    url,
    name: dbName,
    async query<R extends Record<string, unknown>>(sql: string, params?: unknown[]) {
      if (closing) throw new Error(`Database ${dbName} is closed`);
      pool ??= newPool(url);
      const result = await pool.query<R>(sql, params);
      return result.rows;
    },
    close() {
      closing ??= (async () => {
        open.delete(database);
        await pool?.end();
        await withAdmin(adminUrl, (admin) =>
          admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(dbName)} WITH (FORCE)`),
        );
      })();
      return closing;
    },
  };
  open.add(database);
  return database;
}

/** `url` with its database name replaced. */
export function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

function newPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined); // e.g. terminated by DROP ... WITH (FORCE)
  return pool;
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

try {
  afterAll(async () => {
    await Promise.all([...open].map((database) => database.close()));
  });
} catch {
  // imported outside a vitest test file
}
