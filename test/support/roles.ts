import pg from 'pg';
import type { FreshDatabase } from './database.js';
import { pgAdminUrl } from './provided.js';

/** Hands what `role` owns in `db` back, closes (drops) `db`, then drops the role server-wide. */
export async function dropRoleAndDatabase(
  db: FreshDatabase | undefined,
  role: string | undefined,
): Promise<void> {
  if (role)
    await db
      ?.query(`reassign owned by ${role} to current_user; drop owned by ${role}`)
      .catch(() => undefined);
  await db?.close();
  if (!role) return;
  const admin = new pg.Client({ connectionString: pgAdminUrl() });
  await admin.connect();
  try {
    await admin.query(`drop role if exists ${role}`);
  } finally {
    await admin.end();
  }
}

/** `db`'s URL as `role` with `password`. */
export function urlAs(db: FreshDatabase, role: string, password: string): string {
  const url = new URL(db.url);
  url.username = role;
  url.password = password;
  return url.toString();
}
