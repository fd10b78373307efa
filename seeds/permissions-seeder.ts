import { Seeder } from '../src/seeding/seeder.js';
import { PERMISSIONS } from './catalog.js';

/** The permission catalog, `resource:action` names with descriptions. */
export class PermissionsSeeder extends Seeder {
  readonly name = 'PermissionsSeeder';
  override readonly tables = ['permissions'];

  async run(): Promise<void> {
    const rows = PERMISSIONS.map(({ name, description }) => {
      const [resource = '', action = ''] = name.split(':');
      return { name, resource, action, description };
    });
    await this.upsertMany('permissions', rows, { conflict: ['name'], touch: 'updated_at' });
  }
}
