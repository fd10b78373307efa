import type { Kysely } from 'kysely';
import { Seeder, type SeederContext } from '../src/seeding/seeder.js';
import { ConfigError, ProductionRefusedError } from '../src/errors.js';
import type { FoodFleetDatabase } from '../src/schema.js';
import { DEFAULT_SUPERADMIN_PASSWORD, SUPERADMIN } from './catalog.js';
import { DefaultPasswordCheck } from './default-password.js';

/** bcrypt cost for the seeded account (≈ 285 ms here: paid once, on creation). */
const BCRYPT_COST = 12;

/**
 * The first super-admin. A re-run never changes an existing user's password. In production it
 * refuses to create the account with the published default password.
 */
export class SuperAdminSeeder extends Seeder {
  readonly name = 'SuperAdminSeeder';
  override readonly dependsOn = ['RolesSeeder'];
  override readonly tables = ['users', 'user_roles'];

  /** Runs before the backup and the transaction, so a refusal touches nothing. */
  override async preflight(db: Kysely<FoodFleetDatabase>, context: SeederContext): Promise<void> {
    const existing = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', context.superadmin.email)
      .executeTakeFirst();
    if (existing) return;
    const holder = await db
      .selectFrom('users')
      .select('email')
      .where('username', '=', SUPERADMIN.username)
      .executeTakeFirst();
    if (holder) {
      // The configured email changed after the account was created: never create a second super-admin.
      throw new ConfigError(
        `The super-admin account already exists as ${holder.email} (username ${SUPERADMIN.username}), but SEED_SUPERADMIN_EMAIL / superadmin.email is ${context.superadmin.email}. ` +
          `Nothing was changed. Set SEED_SUPERADMIN_EMAIL back to ${holder.email}, or change that user's email in the database first.`,
        ['superadmin.email: does not match the existing super-admin account'],
      );
    }
    if (context.production && !context.superadmin.password) {
      throw new ProductionRefusedError(
        `Refusing to create the super-admin ${context.superadmin.email} with the published default password in production (NODE_ENV=production). ` +
          'Nothing was changed. Set SEED_SUPERADMIN_PASSWORD (or superadmin.password in seedrc.json) and run again.',
      );
    }
  }

  async run(): Promise<void> {
    const { email, password } = this.context.superadmin;
    const existing = await this.db
      .selectFrom('users')
      .select(['id', 'password_hash'])
      .where('email', '=', email)
      .executeTakeFirst();
    const created = existing ? null : await this.#create(email, password ?? DEFAULT_SUPERADMIN_PASSWORD);
    const user = existing ?? created!.row;
    const defaults = new DefaultPasswordCheck(this.db, this.context.schema);
    let isDefault: boolean;
    if (created && created.row.password_hash === created.hash) {
      // The hash is the one just written: its password is known in plain text, no comparison needed.
      isDefault = created.password === DEFAULT_SUPERADMIN_PASSWORD;
      if (isDefault) await defaults.remember(email, created.hash);
    } else {
      isDefault = await defaults.isDefault(email, user.password_hash);
    }
    const role = await this.db
      .selectFrom('roles')
      .select('id')
      .where('name', '=', SUPERADMIN.role)
      .executeTakeFirst();
    if (!role) throw new Error(`Role ${SUPERADMIN.role} is missing: did RolesSeeder run?`);
    await this.syncLinks({
      table: 'user_roles',
      owner: ['user_id', user.id],
      target: 'role_id',
      ids: [role.id],
      mode: 'add',
      countAs: ['users', user.id],
    });
    if (isDefault) {
      this.context.warn(
        `The super-admin ${email} still uses the published default password. Change it now: ` +
          'POST /api/v1/auth/password/change, or set SEED_SUPERADMIN_PASSWORD before the account is first created.',
      );
    }
  }

  async #create(
    email: string,
    password: string,
  ): Promise<{ row: { id: number; password_hash: string }; password: string; hash: string }> {
    const { default: bcrypt } = await import('bcryptjs');
    const hash = await bcrypt.hash(password, BCRYPT_COST);
    const { row } = await this.getOrCreate(
      'users',
      { email },
      {
        username: SUPERADMIN.username,
        full_name: SUPERADMIN.fullName,
        password_hash: hash,
        is_active: true,
        is_verified: true,
      },
    );
    // getOrCreate may return a row another session created meanwhile, with a hash not ours.
    return { row, password, hash };
  }
}
