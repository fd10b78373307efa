import type { Seeder } from '../src/seeding/seeder.js';
import { PermissionsSeeder } from './permissions-seeder.js';
import { RolesSeeder } from './roles-seeder.js';
import { SMSTemplatesSeeder } from './sms-templates-seeder.js';
import { SuperAdminSeeder } from './super-admin-seeder.js';
import type { AnyDB } from '../src/db/any-kysely.js';

/** The built-in FoodFleet seeders, fresh instances per run. */
export function builtInSeeders(): Seeder<AnyDB>[] {
  return [new PermissionsSeeder(), new RolesSeeder(), new SuperAdminSeeder(), new SMSTemplatesSeeder()];
}

export { PermissionsSeeder, RolesSeeder, SuperAdminSeeder, SMSTemplatesSeeder };
