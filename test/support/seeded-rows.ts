import type { FreshDatabase } from './database.js';

/** The FoodFleet tables the built-in seeders write. */
const FOODFLEET_TABLES = [
  'permissions',
  'roles',
  'role_permissions',
  'users',
  'user_roles',
  'sms_templates',
] as const;

/** What the built-in seeders leave in each table after one run. */
export const SEEDED = {
  permissions: 23,
  roles: 5,
  role_permissions: 23 + 18 + 9 + 5 + 2,
  users: 1,
  user_roles: 1,
  sms_templates: 4,
};

/** Row count of each FoodFleet table in `schema` (a missing table counts as absent: `null`). */
export async function rowCounts(
  db: FreshDatabase,
  schema = 'public',
): Promise<Record<string, number | null>> {
  const counts: Record<string, number | null> = {};
  for (const table of FOODFLEET_TABLES) {
    const [exists] = await db.query<{ present: boolean }>('select to_regclass($1) is not null as present', [
      `${schema}.${table}`,
    ]);
    if (!exists?.present) {
      counts[table] = null;
      continue;
    }
    const [row] = await db.query<{ n: string }>(`select count(*) as n from "${schema}"."${table}"`);
    counts[table] = Number(row?.n);
  }
  return counts;
}

/** Names of the tables in `schema`, sorted. */
export async function tablesIn(db: FreshDatabase, schema: string): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    'select table_name as name from information_schema.tables where table_schema = $1 order by 1',
    [schema],
  );
  return rows.map((r) => r.name);
}

/** Permission names granted to `role` in `schema`, sorted. */
export async function rolePermissions(db: FreshDatabase, role: string, schema = 'public'): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `select p.name from "${schema}".role_permissions rp
       join "${schema}".roles r on r.id = rp.role_id
       join "${schema}".permissions p on p.id = rp.permission_id
      where r.name = $1 order by p.name`,
    [role],
  );
  return rows.map((r) => r.name);
}

/** Environment for a CLI run against `schema` of `db`. */
export function pgEnv(
  db: FreshDatabase,
  schema = 'public',
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return { DATABASE_URL: db.url, DATABASE_SCHEMA: schema, ...extra };
}
