import { Hono } from 'hono';
import { sql } from 'kysely';
import type { Database } from '../../db/database.js';
import type { AppEnv } from '../app-env.js';
import type { UserStore } from '../auth/user-store.js';

/** A health check answers within this, even when the pool is busy or the server is gone. */
const CHECK_TIMEOUT_MS = 3000;

type DatabaseState = 'ok' | 'unavailable' | 'not_migrated';

/** `GET /health`, unauthenticated: `{status, database}` and nothing about the internals. */
export function healthRoutes(database: Database, users: UserStore): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/', async (c) => {
    const state = await withTimeout(check(database, users), CHECK_TIMEOUT_MS, 'unavailable');
    if (state === 'ok') return c.json({ status: 'ok', database: 'ok' });
    const detail =
      state === 'not_migrated'
        ? 'The FoodFleet tables do not exist yet: run `foodfleet-seed migrate` or `foodfleet-seed run` first.'
        : 'The database is unreachable.';
    return c.json({ status: 'unavailable', database: state, detail }, 503);
  });
}

async function check(database: Database, users: UserStore): Promise<DatabaseState> {
  try {
    await sql`select 1`.execute(database.kysely);
    return (await users.tablesExist()) ? 'ok' : 'not_migrated';
  } catch {
    return 'unavailable';
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
