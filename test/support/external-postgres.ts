import pg from 'pg';
import { redactUrl } from './redact.js';

/**
 * Checks that `TEST_DATABASE_URL` answers and may create databases. If the
 * named database itself does not exist yet (a fresh CI cluster), it is created
 * through the `postgres` maintenance database. Returns the URL to use.
 */
export async function useExternalPostgres(url: string): Promise<string> {
  try {
    await checkServer(url);
    return url;
  } catch (error) {
    if (errorCode(error) !== '3D000') throw explain(url, error);
  }
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  try {
    await withClient(withDatabase(url, 'postgres'), (client) =>
      client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`),
    );
    await checkServer(url);
    return url;
  } catch (error) {
    throw explain(url, error);
  }
}

async function checkServer(url: string): Promise<void> {
  await withClient(url, async (client) => {
    const { rows } = await client.query<{ allowed: boolean }>(
      'SELECT rolsuper OR rolcreatedb AS allowed FROM pg_roles WHERE rolname = current_user',
    );
    if (!rows[0]?.allowed) {
      throw new Error('the role may not create databases (needs CREATEDB or superuser)');
    }
  });
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function explain(url: string, error: unknown): Error {
  const reason = error instanceof Error ? error.message || String(errorCode(error)) : String(error);
  return new Error(
    `TEST_DATABASE_URL (${redactUrl(url)}) is not usable: ${reason}. ` +
      'Fix the URL / start that server, or unset TEST_DATABASE_URL to use a throwaway embedded PostgreSQL.',
    { cause: error },
  );
}
