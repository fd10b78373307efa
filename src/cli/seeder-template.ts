/** The scaffold `make` writes: the guide's RestaurantsSeeder shape, typed, using getOrCreate. */
export function seederTemplate(className: string): string {
  const table =
    className
      .replace(/Seeder$/, '')
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toLowerCase() || 'items';
  return `import { Seeder, type FoodFleetDatabase } from 'foodfleet-seed';
import type { Generated } from 'kysely';

/** The table this seeder writes (create it with your app's migrations). */
interface ${className.replace(/Seeder$/, '')}Table {
  id: Generated<number>;
  name: string;
  description: string | null;
  address: string | null;
}

interface Database extends FoodFleetDatabase {
  ${table}: ${className.replace(/Seeder$/, '')}Table;
}

export class ${className} extends Seeder<Database> {
  readonly name = '${className}';
  /** Seeders that must run first, e.g. ['RolesSeeder']. */
  override readonly dependsOn = [];
  override readonly tables = ['${table}'];

  async run(): Promise<void> {
    const rows = [
      { name: 'Pizza Palace', description: 'Best pizza in town', address: '123 Main St' },
      // Add more rows…
    ];
    for (const { name, ...defaults } of rows) {
      // Created when missing, left alone when present; counts are kept for you.
      await this.getOrCreate('${table}', { name }, defaults);
    }
  }
}
`;
}
