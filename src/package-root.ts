import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed package's own folder and version. Found by walking up from this module rather than
 * by a fixed `../../..`: the same code runs from dist/src/ (tests, types) and from the one-file
 * bundle in dist/bundle/ that the CLI loads.
 */
let found: { root: string; version: string } | undefined;

function locate(): { root: string; version: string } {
  if (found) return found;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'foodfleet-seed') {
        found = { root: dir, version: typeof pkg.version === 'string' ? pkg.version : 'unknown' };
        return found;
      }
    } catch {
      // no package.json at this level: keep walking up
    }
    if (dirname(dir) === dir)
      throw new Error('cannot find the foodfleet-seed package.json above its own code');
  }
}

/** The package folder (the one holding its package.json, bin/ and dist/). */
export const packageRoot = (): string => locate().root;

/** The package version, as `--version`, backup metadata and the OpenAPI document state it. */
export const packageVersion = (): string => locate().version;
