/**
 * The data issue 2 and the guide specify, written out independently of the package's own
 * catalog so a wrong catalog fails the tests.
 */
export const EXPECTED_PERMISSIONS = [
  'users:create',
  'users:read',
  'users:update',
  'users:delete',
  'roles:create',
  'roles:read',
  'roles:update',
  'roles:delete',
  'permissions:read',
  'files:create',
  'files:read',
  'files:update',
  'files:delete',
  'seeders:execute',
  'seeders:read',
  'restaurants:create',
  'restaurants:read',
  'restaurants:update',
  'restaurants:delete',
  'menus:create',
  'menus:read',
  'menus:update',
  'menus:delete',
].sort();

export const EXPECTED_ROLE_PERMISSIONS: Record<string, string[]> = {
  superadmin: EXPECTED_PERMISSIONS,
  admin: [
    'users:read',
    'users:create',
    'users:update',
    'roles:read',
    'files:create',
    'files:read',
    'files:update',
    'files:delete',
    'restaurants:create',
    'restaurants:read',
    'restaurants:update',
    'restaurants:delete',
    'menus:create',
    'menus:read',
    'menus:update',
    'menus:delete',
    'seeders:execute',
    'seeders:read',
  ].sort(),
  restaurant_owner: [
    'restaurants:read',
    'restaurants:update',
    'menus:create',
    'menus:read',
    'menus:update',
    'menus:delete',
    'files:create',
    'files:read',
    'files:update',
  ].sort(),
  restaurant_manager: ['restaurants:read', 'menus:read', 'menus:update', 'files:create', 'files:read'].sort(),
  customer: ['restaurants:read', 'menus:read'].sort(),
};

const _SYSTEM_ROLES = ['superadmin', 'admin'];

export const EXPECTED_SMS_TEMPLATES = [
  '2fa_code',
  'password_reset',
  'order_confirmation',
  'order_delivered',
].sort();

export const DEFAULT_PASSWORD = 'SuperAdmin@123';

/** Per-seeder [created, updated, deleted] of a first run on an empty database. */
export const FIRST_RUN_COUNTS = {
  PermissionsSeeder: [23, 0, 0],
  RolesSeeder: [5, 0, 0],
  SuperAdminSeeder: [1, 0, 0],
  SMSTemplatesSeeder: [4, 0, 0],
} as const;

export const SECOND_RUN_COUNTS = {
  PermissionsSeeder: [0, 0, 0],
  RolesSeeder: [0, 0, 0],
  SuperAdminSeeder: [0, 0, 0],
  SMSTemplatesSeeder: [0, 0, 0],
} as const;
