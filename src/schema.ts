import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

/** `permissions`: one row per `resource:action`. */
export interface PermissionsTable {
  id: Generated<number>;
  name: string;
  resource: string;
  action: string;
  description: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface RolesTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  is_system: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface RolePermissionsTable {
  role_id: number;
  permission_id: number;
  created_at: Generated<Date>;
}

export interface UsersTable {
  id: Generated<number>;
  email: string;
  username: string;
  full_name: string | null;
  password_hash: string;
  is_active: Generated<boolean>;
  is_verified: Generated<boolean>;
  token_version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface UserRolesTable {
  user_id: number;
  role_id: number;
  created_at: Generated<Date>;
}

export interface SmsTemplatesTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  body: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type ExecutionStatus = 'pending' | 'running' | 'completed' | 'failed';

/** `seeder_executions`: the tool's own audit trail (never backed up, never reset). */
export interface SeederExecutionsTable {
  id: Generated<number>;
  command: string;
  status: ExecutionStatus;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  duration_ms: number | null;
  triggered_by: string;
  source: string;
  user_id: number | null;
  options: Json<Record<string, unknown>>;
  results: Json<unknown> | null;
  error_message: string | null;
  error_stack: string | null;
  backup_key: string | null;
  backup_size: ColumnType<string | null, string | number | null, string | number | null>;
  backup_sha256: string | null;
  backup_status: string | null;
  backup_error: string | null;
  backup_tables: Json<Record<string, number>> | null;
  restored_key: string | null;
}

/**
 * The typed schema of the built-in FoodFleet tables. Extend it with your own tables:
 * `interface MyDatabase extends FoodFleetDatabase { restaurants: RestaurantsTable }`.
 */
export interface FoodFleetDatabase {
  permissions: PermissionsTable;
  roles: RolesTable;
  role_permissions: RolePermissionsTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  sms_templates: SmsTemplatesTable;
}

/** FoodFleet tables plus the tool's tracking table. */
export interface ToolDatabase extends FoodFleetDatabase {
  seeder_executions: SeederExecutionsTable;
}
