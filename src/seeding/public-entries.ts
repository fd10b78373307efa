import { fileURLToPath } from 'node:url';

/**
 * The files a custom seeder's `import … from 'foodfleet-seed'` and `from 'kysely'` are mapped to:
 * the very modules this process runs, so `instanceof Seeder` holds and one Kysely is loaded, even
 * when the CLI runs from npx's cache. The bundle build swaps in src/build/bundle-entries.ts.
 */
export function publicEntries(): { foodfleetSeed: string; kysely: string } {
  return {
    foodfleetSeed: fileURLToPath(new URL('../index.js', import.meta.url)),
    kysely: fileURLToPath(import.meta.resolve('kysely')),
  };
}
