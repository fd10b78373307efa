import { fileURLToPath } from 'node:url';

/**
 * public-entries.ts as the bundle has it: every chunk sits in dist/bundle/ beside the entries, and
 * Kysely is the bundle's own copy (re-exported by kysely-entry.ts), not node_modules/kysely.
 */
export function publicEntries(): { foodfleetSeed: string; kysely: string } {
  return {
    foodfleetSeed: fileURLToPath(new URL('./index.js', import.meta.url)),
    kysely: fileURLToPath(new URL('./kysely.js', import.meta.url)),
  };
}
