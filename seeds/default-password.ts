import { sql } from 'kysely';
import type { AnyKysely } from '../src/db/any-kysely.js';
import { qualified } from '../src/db/quote.js';
import { DEFAULT_PASSWORD_TABLE } from '../src/migrations/default-password-hashes.js';
import { DEFAULT_SUPERADMIN_PASSWORD } from './catalog.js';

/**
 * Whether the super-admin still has the published default password, without a cost-12 bcrypt
 * (≈ 0.3 s) on every run. The tool remembers each hash it has seen produced from the default
 * password (the one the seeder wrote, or one a comparison confirmed): a stored hash equal to a
 * remembered one *is* the default password. Any other hash gets one bcrypt comparison, as before
 * — "not the default" is never concluded without it. A hash confirmed to be the default is
 * remembered, so the next run skips the comparison again.
 */
export class DefaultPasswordCheck {
  readonly #db: AnyKysely;
  readonly #table: string;
  #usable: Promise<boolean> | undefined;

  constructor(db: AnyKysely, schema: string) {
    this.#db = db;
    this.#table = qualified(schema, DEFAULT_PASSWORD_TABLE);
  }

  /** Records that `hash` was just produced from the default password for `email`. */
  async remember(email: string, hash: string): Promise<void> {
    if (!(await this.#tableUsable())) return;
    await sql`insert into ${sql.raw(this.#table)} (email, password_hash) values (${email}, ${hash})
              on conflict (email) do update set password_hash = excluded.password_hash, recorded_at = now()`.execute(
      this.#db,
    );
  }

  /** True when `hash` (the account's stored hash) is a hash of the default password. */
  async isDefault(email: string, hash: string): Promise<boolean> {
    const usable = await this.#tableUsable();
    if (usable) {
      const { rows } = await sql<{ password_hash: string }>`
        select password_hash from ${sql.raw(this.#table)} where email = ${email}`.execute(this.#db);
      if (rows[0]?.password_hash === hash) return true;
    }
    const { default: bcrypt } = await import('bcryptjs');
    if (!(await bcrypt.compare(DEFAULT_SUPERADMIN_PASSWORD, hash))) return false;
    if (usable) await this.remember(email, hash);
    return true;
  }

  /** Absent where the role could not create it (the migration skips it): then compare every run. */
  #tableUsable(): Promise<boolean> {
    this.#usable ??= sql<{ usable: boolean | null }>`
      select pg_catalog.has_table_privilege(pg_catalog.to_regclass(${this.#table}), 'SELECT, INSERT, UPDATE') as usable`
      .execute(this.#db)
      .then(({ rows }) => rows[0]?.usable === true);
    return this.#usable;
  }
}
