import { sql, type Kysely, type Migration } from 'kysely';
import type { AnyDB } from '../db/any-kysely.js';

/** FoodFleet tables the built-in seeders write; `ifNotExists` so an existing app database is adopted. */
export const foodfleetTables: Migration = {
  async up(db: Kysely<AnyDB>) {
    const now = sql`now()`;
    await db.schema
      .createTable('permissions')
      .ifNotExists()
      .addColumn('id', 'serial', (c) => c.primaryKey())
      .addColumn('name', 'varchar(100)', (c) => c.notNull().unique())
      .addColumn('resource', 'varchar(50)', (c) => c.notNull())
      .addColumn('action', 'varchar(50)', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .execute();
    await db.schema
      .createTable('roles')
      .ifNotExists()
      .addColumn('id', 'serial', (c) => c.primaryKey())
      .addColumn('name', 'varchar(50)', (c) => c.notNull().unique())
      .addColumn('description', 'text')
      .addColumn('is_system', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .execute();
    await db.schema
      .createTable('role_permissions')
      .ifNotExists()
      .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id').onDelete('cascade'))
      .addColumn('permission_id', 'integer', (c) =>
        c.notNull().references('permissions.id').onDelete('cascade'),
      )
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .addPrimaryKeyConstraint('role_permissions_pkey', ['role_id', 'permission_id'])
      .execute();
    await db.schema
      .createTable('users')
      .ifNotExists()
      .addColumn('id', 'serial', (c) => c.primaryKey())
      .addColumn('email', 'varchar(255)', (c) => c.notNull().unique())
      .addColumn('username', 'varchar(100)', (c) => c.notNull().unique())
      .addColumn('full_name', 'varchar(255)')
      .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
      .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(true))
      .addColumn('is_verified', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .execute();
    await db.schema
      .createTable('user_roles')
      .ifNotExists()
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id').onDelete('cascade'))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .addPrimaryKeyConstraint('user_roles_pkey', ['user_id', 'role_id'])
      .execute();
    await db.schema
      .createTable('sms_templates')
      .ifNotExists()
      .addColumn('id', 'serial', (c) => c.primaryKey())
      .addColumn('name', 'varchar(100)', (c) => c.notNull().unique())
      .addColumn('description', 'text')
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
      .execute();
  },
  async down(db: Kysely<AnyDB>) {
    for (const table of [
      'user_roles',
      'role_permissions',
      'users',
      'roles',
      'permissions',
      'sms_templates',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
