import { builtInSeeders } from '../../seeds/index.js';
import { loadCustomSeeders } from './load-custom.js';
import { assertUniqueNames } from './order.js';
import type { Seeder } from './seeder.js';
import type { AnyDB } from '../db/any-kysely.js';

/** Built-ins first, then the user's seeders (by file name); names must be unique. */
export async function allSeeders(customDir: string): Promise<Seeder<AnyDB>[]> {
  const builtIn = builtInSeeders().map((seeder) => ({ seeder, source: 'built-in' }));
  const custom = await loadCustomSeeders(customDir);
  const all = [...builtIn, ...custom];
  assertUniqueNames(all.map(({ seeder, source }) => ({ name: seeder.name, source })));
  return all.map(({ seeder }) => seeder);
}
