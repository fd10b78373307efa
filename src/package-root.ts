import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface FoundPackage {
  /** The folder holding the package.json. */
  root: string;
  version: string;
}

/**
 * The nearest package.json named `name` at or above `fromDir`: how foodfleet-seed finds itself
 * (its code runs from dist/src/ and from the bundle in dist/bundle/, so no fixed `../../..`) and
 * how it reads the installed PGlite's version (not exported by that package).
 */
export function findPackage(name: string, fromDir: string): FoundPackage {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === name)
        return { root: dir, version: typeof pkg.version === 'string' ? pkg.version : 'unknown' };
    } catch {
      // no package.json at this level: keep walking up
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the ${name} package.json above ${fromDir}`);
  }
}

let own: FoundPackage | undefined;
const ownPackage = (): FoundPackage =>
  (own ??= findPackage('foodfleet-seed', dirname(fileURLToPath(import.meta.url))));

/** The package folder (the one holding its package.json, bin/ and dist/). */
export const packageRoot = (): string => ownPackage().root;

/** The package version, as `--version`, backup metadata and the OpenAPI document state it. */
export const packageVersion = (): string => ownPackage().version;
