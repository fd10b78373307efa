import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SeederDefinitionError } from '../errors.js';
import { publicEntries } from './public-entries.js';
import { Seeder } from './seeder.js';
import type { AnyDB } from '../db/any-kysely.js';

const SEEDER_FILE = /^(?!.*\.d\.ts$).+\.(ts|mts|js|mjs)$/;

/**
 * Loads custom seeders from `dir` without a build step (jiti). `foodfleet-seed` is mapped to the
 * running package, so `instanceof Seeder` holds even when the CLI runs from npx's cache.
 */
export async function loadCustomSeeders(dir: string): Promise<{ seeder: Seeder<AnyDB>; source: string }[]> {
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => SEEDER_FILE.test(f)).sort();
  if (files.length === 0) return [];
  const { createJiti } = await import('jiti');
  // Seeders also import kysely (`sql`, types); from npx's cache the user's folder may not resolve it.
  const entries = publicEntries();
  const jiti = createJiti(import.meta.url, {
    alias: { 'foodfleet-seed': entries.foodfleetSeed, kysely: entries.kysely },
    moduleCache: true,
    fsCache: false,
  });
  const loaded: { seeder: Seeder<AnyDB>; source: string }[] = [];
  for (const file of files) {
    const path = join(dir, file);
    let module: Record<string, unknown>;
    try {
      module = (await jiti.import(path)) as Record<string, unknown>;
    } catch (error) {
      throw new SeederDefinitionError(
        `Seeder file ${path} does not load: ${(error as Error).message}. Nothing was run.`,
        { cause: error, code: 'SEEDER_LOAD' },
      );
    }
    const seeders = Object.values(module).flatMap((value) => instantiate(value, path));
    if (seeders.length === 0) {
      throw new SeederDefinitionError(
        `Seeder file ${path} does not export a seeder (a class extending Seeder from 'foodfleet-seed'). Nothing was run.`,
        { code: 'SEEDER_LOAD' },
      );
    }
    loaded.push(...seeders.map((seeder) => ({ seeder, source: path })));
  }
  return loaded;
}

function instantiate(value: unknown, path: string): Seeder<AnyDB>[] {
  if (value instanceof Seeder) return [value];
  if (typeof value !== 'function' || !(value.prototype instanceof Seeder)) return [];
  try {
    const seeder = new (value as new () => Seeder<AnyDB>)();
    if (typeof seeder.name !== 'string' || seeder.name.length === 0) {
      throw new Error('it has no name (declare `readonly name = "MySeeder"`)');
    }
    return [seeder];
  } catch (error) {
    throw new SeederDefinitionError(
      `Seeder ${(value as { name?: string }).name ?? '?'} in ${path} cannot be created: ${(error as Error).message}. Nothing was run.`,
      { cause: error, code: 'SEEDER_LOAD' },
    );
  }
}
