/**
 * foodfleet-seed's public API: write custom seeders against it, and share the permission
 * catalog and role matrix with the FoodFleet app's route guards.
 */
export { Seeder } from './seeding/seeder.js';
export type { SeederContext, UpsertOptions, UpsertStatus, LinkSync } from './seeding/seeder.js';
export type { RunResults, SeederResult, SeederStatus } from './seeding/results.js';
export type {
  FoodFleetDatabase,
  PermissionsTable,
  RolesTable,
  RolePermissionsTable,
  UsersTable,
  UserRolesTable,
  SmsTemplatesTable,
} from './schema.js';
export {
  PERMISSIONS,
  ALL_PERMISSIONS,
  ROLES,
  ROLE_PERMISSIONS,
  SMS_TEMPLATES,
  SUPERADMIN,
  DEFAULT_SUPERADMIN_PASSWORD,
} from '../seeds/catalog.js';
export type { PermissionName, RoleName, RoleDefinition } from '../seeds/catalog.js';
export { PermissionsSeeder, RolesSeeder, SuperAdminSeeder, SMSTemplatesSeeder } from '../seeds/index.js';
