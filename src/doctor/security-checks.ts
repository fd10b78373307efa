import bcrypt from 'bcryptjs';
import { sql } from 'kysely';
import { DEFAULT_SUPERADMIN_PASSWORD, SUPERADMIN } from '../../seeds/catalog.js';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/database.js';
import { type CheckRunner, fail, type Finding, ok, warn } from './check.js';

/** The token secret's minimum length (server.tokenSecret). */
const MIN_SECRET_LENGTH = 32;

export interface SecurityInput {
  config: Config;
  /** NODE_ENV=production: what only warns elsewhere fails here. */
  production: boolean;
  /** The opened database, or null (unreachable, or embedded and not created yet). */
  database: Database | null;
  /** Set when the configured token secret was refused by validation (too short). */
  tokenSecretProblem?: string | undefined;
}

/** The super-admin's password, the token secret and the NODE_ENV=production safeguards. */
export async function checkSecurity(runner: CheckRunner, input: SecurityInput): Promise<void> {
  const { database } = input;
  const superadmin = database
    ? await runner.check('security.superadmin-password', () => checkSuperadmin(database, input))
    : undefined;
  await runner.check('security.token-secret', async () => tokenSecretFinding(input));
  await runner.check('security.production', async () => productionFinding(input, superadmin));
}

/** What the check learnt about the super-admin account. */
type Superadmin = 'missing' | 'default' | 'changed';

async function checkSuperadmin(database: Database, input: SecurityInput): Promise<Finding<Superadmin>> {
  const { rows } = await sql<{
    found: boolean;
  }>`select pg_catalog.to_regclass(pg_catalog.format('%I.users', ${database.schema}::text)) is not null as found`.execute(
    database.kysely,
  );
  if (!rows[0]?.found)
    return { ...ok('no users table yet: the first `run` creates the super-admin'), value: 'missing' };
  const user = await database.kysely
    .selectFrom('users')
    .select(['email', 'password_hash'])
    .where((eb) =>
      eb.or([eb('username', '=', SUPERADMIN.username), eb('email', '=', input.config.superadmin.email)]),
    )
    .orderBy('id')
    .executeTakeFirst();
  if (!user) return { ...ok('no super-admin account yet: the next `run` creates it'), value: 'missing' };
  const email = String(user.email);
  if (!(await bcrypt.compare(DEFAULT_SUPERADMIN_PASSWORD, String(user.password_hash))))
    return {
      ...ok(`the super-admin ${email} no longer uses the published default password`),
      value: 'changed',
    };
  const text = `the super-admin ${email} still uses the published default password: change it (POST /api/v1/auth/password/change)`;
  return { ...(input.production ? fail(`${text}; NODE_ENV=production`) : warn(text)), value: 'default' };
}

function tokenSecretFinding(input: SecurityInput): Finding {
  if (input.tokenSecretProblem)
    return fail(
      `server.tokenSecret / SEED_TOKEN_SECRET is shorter than ${MIN_SECRET_LENGTH} characters, so every command refuses this configuration: use e.g. \`openssl rand -base64 48\``,
    );
  if (!input.config.server.tokenSecret)
    return input.production
      ? fail(
          'no token secret (SEED_TOKEN_SECRET / server.tokenSecret): `serve` refuses to start with NODE_ENV=production',
        )
      : warn(
          'no token secret (SEED_TOKEN_SECRET / server.tokenSecret): `serve` signs with a random key per process, so sign-ins end at every restart and differ between replicas',
        );
  return ok(`a token secret of ${MIN_SECRET_LENGTH} characters or more is configured`);
}

function productionFinding(input: SecurityInput, superadmin: Superadmin | undefined): Finding {
  const { config } = input;
  if (!input.production)
    return config.environment === 'production'
      ? warn(
          'environment is "production" but NODE_ENV is not: the production safeguards (no default super-admin password, a required token secret) are off — set NODE_ENV=production',
        )
      : ok('NODE_ENV is not production: production safeguards are off (expected outside production)');
  if (config.superadmin.password === DEFAULT_SUPERADMIN_PASSWORD)
    return fail(
      'superadmin.password / SEED_SUPERADMIN_PASSWORD is the published default password: choose another',
    );
  if (!config.superadmin.password && superadmin !== 'default' && superadmin !== 'changed')
    return fail(
      'no superadmin.password / SEED_SUPERADMIN_PASSWORD: with NODE_ENV=production `run` refuses to create the super-admin with the published default password',
    );
  return ok('NODE_ENV=production: the super-admin password and token secret safeguards are in force');
}
