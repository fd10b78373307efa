import pg from 'pg';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The bench's own databases, created from BENCH_DATABASE_URL and dropped at the end. */
export const BENCH_DATABASES = {
  data: 'foodfleet_bench',
  seed: 'foodfleet_bench_seed',
  empty: 'foodfleet_bench_empty',
  seeded: 'foodfleet_bench_seeded',
} as const;

export function adminUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.BENCH_DATABASE_URL || DEFAULT_URL;
}

/** The same server and credentials, another database. */
function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** user@host:port/db — for messages; never the password. */
export function describeUrl(value: string): string {
  const url = new URL(value);
  return `${url.username ? `${decodeURIComponent(url.username)}@` : ''}${url.hostname}:${url.port || 5432}${url.pathname}`;
}

/** Opens one client, runs `body`, always closes it. */
export async function withClient<T>(url: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/** Drops (if left over from an interrupted run) and creates an empty database. */
export async function recreateDatabase(admin: string, name: string): Promise<string> {
  await withClient(admin, async (client) => {
    await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    await client.query(`create database ${pg.escapeIdentifier(name)}`);
  });
  return databaseUrl(admin, name);
}

export async function dropDatabase(admin: string, name: string): Promise<void> {
  await withClient(admin, (client) =>
    client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`),
  );
}

/** `server_version` of the server behind `url`, e.g. `15.20 (Debian 15.20-0+deb12u1)`. */
export async function serverVersion(url: string): Promise<string> {
  return withClient(url, async (client) =>
    String((await client.query('show server_version')).rows[0]?.server_version ?? 'unknown'),
  );
}
