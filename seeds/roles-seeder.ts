import { Seeder } from '../src/seeding/seeder.js';
import { ROLES } from './catalog.js';

/**
 * The five roles. System roles are kept exactly in sync with the catalog (extras removed);
 * other roles only gain missing permissions, so grants an operator added are kept.
 */
export class RolesSeeder extends Seeder {
  readonly name = 'RolesSeeder';
  override readonly dependsOn = ['PermissionsSeeder'];
  override readonly tables = ['roles', 'role_permissions'];

  async run(): Promise<void> {
    const permissionIds = await this.#permissionIds();
    for (const role of ROLES) {
      const { row } = await this.upsert(
        'roles',
        { name: role.name, description: role.description, is_system: role.isSystem },
        { conflict: ['name'], touch: 'updated_at' },
      );
      const ids = role.permissions.map((name) => {
        const id = permissionIds.get(name);
        if (id === undefined)
          throw new Error(
            `Permission ${name} (needed by role ${role.name}) is missing: did PermissionsSeeder run?`,
          );
        return id;
      });
      await this.syncLinks({
        table: 'role_permissions',
        owner: ['role_id', row.id],
        target: 'permission_id',
        ids,
        mode: role.isSystem ? 'exact' : 'add',
        countAs: ['roles', row.id],
      });
    }
  }

  async #permissionIds(): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('permissions').select(['id', 'name']).execute();
    return new Map(rows.map((r) => [r.name, r.id]));
  }
}
