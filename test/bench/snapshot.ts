import { cp, mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';

/**
 * Copies the built CLI (bin/, dist/, package.json; node_modules linked) into `dir` and returns
 * its bin path. Every run then measures the same build even while someone rebuilds dist/
 * mid-benchmark — which otherwise fails or mixes versions between the A and B runs.
 */
export async function snapshotPackage(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await cp(path.join(REPO_ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
  await cp(path.join(REPO_ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  await cp(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return path.join(dir, 'bin', 'foodfleet-seed.js');
}
