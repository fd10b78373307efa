/**
 * The FoodFleet permission catalog and role → permission matrix: one source of truth for the
 * seeders here and for the app's own route guards (import them from `foodfleet-seed`).
 * The guide's prose says 24 permissions but lists 23; the list is what is seeded.
 */
export const PERMISSIONS = [
  { name: 'users:create', description: 'Create users' },
  { name: 'users:read', description: 'View users' },
  { name: 'users:update', description: 'Update users' },
  { name: 'users:delete', description: 'Delete users' },
  { name: 'roles:create', description: 'Create roles' },
  { name: 'roles:read', description: 'View roles' },
  { name: 'roles:update', description: 'Update roles and their permissions' },
  { name: 'roles:delete', description: 'Delete roles' },
  { name: 'permissions:read', description: 'View permissions' },
  { name: 'files:create', description: 'Upload and copy files' },
  { name: 'files:read', description: 'List, view and download files' },
  { name: 'files:update', description: 'Update file metadata' },
  { name: 'files:delete', description: 'Delete files' },
  { name: 'seeders:execute', description: 'Run seeders, reset and restore the database' },
  { name: 'seeders:read', description: 'View seeder executions' },
  { name: 'restaurants:create', description: 'Create restaurants' },
  { name: 'restaurants:read', description: 'View restaurants' },
  { name: 'restaurants:update', description: 'Update restaurants' },
  { name: 'restaurants:delete', description: 'Delete restaurants' },
  { name: 'menus:create', description: 'Create menus' },
  { name: 'menus:read', description: 'View menus' },
  { name: 'menus:update', description: 'Update menus' },
  { name: 'menus:delete', description: 'Delete menus' },
] as const;

export type PermissionName = (typeof PERMISSIONS)[number]['name'];

export const ALL_PERMISSIONS: readonly PermissionName[] = PERMISSIONS.map((p) => p.name);

export interface RoleDefinition {
  readonly name: string;
  readonly description: string;
  /** System roles are kept exactly in sync with `permissions` on every run. */
  readonly isSystem: boolean;
  readonly permissions: readonly PermissionName[];
}

export const ROLES = [
  {
    name: 'superadmin',
    description: 'Super administrator: every permission',
    isSystem: true,
    permissions: ALL_PERMISSIONS,
  },
  {
    name: 'admin',
    description: 'Administrator: users, files, restaurants, menus and seeders',
    isSystem: true,
    permissions: [
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
    ],
  },
  {
    name: 'restaurant_owner',
    description: 'Restaurant owner: manages their restaurants and menus',
    isSystem: false,
    permissions: [
      'restaurants:read',
      'restaurants:update',
      'menus:create',
      'menus:read',
      'menus:update',
      'menus:delete',
      'files:create',
      'files:read',
      'files:update',
    ],
  },
  {
    name: 'restaurant_manager',
    description: 'Restaurant manager: views restaurants, edits menus',
    isSystem: false,
    permissions: ['restaurants:read', 'menus:read', 'menus:update', 'files:create', 'files:read'],
  },
  {
    name: 'customer',
    description: 'Customer: views restaurants and menus',
    isSystem: false,
    permissions: ['restaurants:read', 'menus:read'],
  },
] as const satisfies readonly RoleDefinition[];

export type RoleName = (typeof ROLES)[number]['name'];

/** Role → permissions, for route guards: `ROLE_PERMISSIONS.admin.includes('users:read')`. */
export const ROLE_PERMISSIONS: Readonly<Record<RoleName, readonly PermissionName[]>> = Object.fromEntries(
  ROLES.map((role) => [role.name, role.permissions]),
) as Record<RoleName, readonly PermissionName[]>;

/** The guide's published default password: refused in production, warned about everywhere. */
export const DEFAULT_SUPERADMIN_PASSWORD = 'SuperAdmin@123';

export const SUPERADMIN = {
  email: 'admin@foodfleet.com',
  username: 'superadmin',
  fullName: 'Super Administrator',
  role: 'superadmin',
} as const;

export const SMS_TEMPLATES = [
  {
    name: '2fa_code',
    description: 'Two-factor authentication code',
    body: 'Your FoodFleet verification code is {{code}}. It expires in {{expires_minutes}} minutes. Never share it.',
  },
  {
    name: 'password_reset',
    description: 'Password reset notification',
    body: 'Hi {{name}}, use code {{code}} to reset your FoodFleet password. If you did not ask for this, ignore this message.',
  },
  {
    name: 'order_confirmation',
    description: 'Order confirmation',
    body: 'Thanks {{name}}! Order #{{order_id}} from {{restaurant}} is confirmed. Total: {{total}}. Estimated delivery: {{eta}}.',
  },
  {
    name: 'order_delivered',
    description: 'Delivery notification',
    body: 'Order #{{order_id}} from {{restaurant}} has been delivered. Enjoy your meal, {{name}}!',
  },
] as const;
