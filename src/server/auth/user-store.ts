import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { DatabaseUnavailableError } from '../../errors.js';
import type { FoodFleetDatabase } from '../../schema.js';

export interface UserRecord {
  id: number;
  email: string;
  passwordHash: string;
  isActive: boolean;
  tokenVersion: number;
}

export interface UserProfile {
  id: number;
  email: string;
  username: string;
  roles: string[];
  permissions: string[];
}

/** The tables authentication reads; `serve` never creates them (that is `migrate` / `run`). */
const AUTH_TABLES = ['users', 'user_roles', 'role_permissions', 'permissions'] as const;

/**
 * Users, their token version and their permissions (users → user_roles → role_permissions →
 * permissions), read fresh on every request so a revoked role takes effect at once.
 */
export class UserStore {
  readonly #database: Database;
  readonly #db: Kysely<FoodFleetDatabase>;

  constructor(database: Database) {
    this.#database = database;
    this.#db = database.kysely as Kysely<FoodFleetDatabase>;
  }

  findByEmail(email: string): Promise<UserRecord | undefined> {
    return this.#guard(() => this.#select().where('email', '=', email).executeTakeFirst());
  }

  findById(id: number): Promise<UserRecord | undefined> {
    return this.#guard(() => this.#select().where('id', '=', id).executeTakeFirst());
  }

  async permissions(userId: number): Promise<Set<string>> {
    const rows = await this.#guard(() =>
      this.#db
        .selectFrom('user_roles as ur')
        .innerJoin('role_permissions as rp', 'rp.role_id', 'ur.role_id')
        .innerJoin('permissions as p', 'p.id', 'rp.permission_id')
        .select('p.name')
        .distinct()
        .where('ur.user_id', '=', userId)
        .execute(),
    );
    return new Set(rows.map((row) => row.name));
  }

  /** Who the user is and what their roles grant, for `GET /api/v1/auth/me`; sorted by name. */
  async profile(userId: number): Promise<UserProfile | undefined> {
    const user = await this.#guard(() =>
      this.#db
        .selectFrom('users')
        .select(['id', 'email', 'username'])
        .where('id', '=', userId)
        .executeTakeFirst(),
    );
    if (!user) return undefined;
    const roles = await this.#guard(() =>
      this.#db
        .selectFrom('user_roles as ur')
        .innerJoin('roles as r', 'r.id', 'ur.role_id')
        .select('r.name')
        .where('ur.user_id', '=', userId)
        .orderBy('r.name')
        .execute(),
    );
    const permissions = [...(await this.permissions(userId))].sort();
    return { ...user, roles: roles.map((row) => row.name), permissions };
  }

  /** Sets the hash and bumps token_version, if nobody changed it since `expectedVersion`. */
  async changePassword(userId: number, expectedVersion: number, passwordHash: string): Promise<boolean> {
    const result = await this.#guard(() =>
      this.#db
        .updateTable('users')
        .set({
          password_hash: passwordHash,
          token_version: sql<number>`token_version + 1`,
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', userId)
        .where('token_version', '=', expectedVersion)
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Replaces a hash by one of the same password at a higher cost, unless the password changed
   * meanwhile. token_version stays: the user's tokens remain valid.
   */
  async rehash(userId: number, previousHash: string, passwordHash: string): Promise<void> {
    await this.#guard(() =>
      this.#db
        .updateTable('users')
        .set({ password_hash: passwordHash })
        .where('id', '=', userId)
        .where('password_hash', '=', previousHash)
        .execute(),
    );
  }

  /** True when every table authentication needs exists in the configured schema. */
  async tablesExist(): Promise<boolean> {
    const names = AUTH_TABLES.map((table) => `${quoteIdent(this.#database.schema)}.${quoteIdent(table)}`);
    const { rows } = await sql<{ missing: number }>`
      select count(*)::int as missing from unnest(${names}::text[]) as t(name) where to_regclass(t.name) is null
    `.execute(this.#database.kysely);
    return rows[0]?.missing === 0;
  }

  async #guard<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      if ((await this.tablesExist().catch(() => true)) === false)
        throw notMigrated(this.#database.schema, error);
      throw error;
    }
  }

  #select() {
    return this.#db
      .selectFrom('users')
      .select([
        'id',
        'email',
        'password_hash as passwordHash',
        'is_active as isActive',
        'token_version as tokenVersion',
      ]);
  }
}

export function notMigrated(schema: string, cause?: unknown): DatabaseUnavailableError {
  return new DatabaseUnavailableError(
    `The FoodFleet tables (users, roles, permissions) do not exist yet in schema "${schema}", so nobody can log in; nothing was changed. ` +
      'Run `foodfleet-seed migrate` (creates them) or `foodfleet-seed run` (creates and seeds them, including the super-admin) first.',
    { cause },
  );
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
