import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';
import { tempDir } from './temp-dir.js';

/** Custom seeder files the tests copy into a seeders folder (test/fixtures/seeders). */
const SEEDER_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'seeders');

/**
 * A fresh seeders folder outside the repository holding copies of the named fixture files
 * (e.g. 'failing-seeder.ts'). Outside the repo, `import … from 'foodfleet-seed'` only works
 * through the CLI's own mapping to the running package, as it would from npx's cache.
 */
export function seedersDir(...fixtures: string[]): string {
  const dir = tempDir('foodfleet-seeders-');
  for (const fixture of fixtures) copyFileSync(path.join(SEEDER_FIXTURES, fixture), path.join(dir, fixture));
  return dir;
}

/** Writes a seeder file with the given source into `dir` (created if missing); returns its path. */
export function writeSeederFile(dir: string, file: string, source: string): string {
  mkdirSync(dir, { recursive: true });
  const target = path.join(dir, file);
  writeFileSync(target, source);
  return target;
}
