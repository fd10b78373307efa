import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from './cli.js';

/** The commit measured, marked when the working tree had uncommitted changes (figures move with the code). */
export function sourceRevision(): string {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no', '--', 'src', 'seeds', 'bin') === ''
      ? commit
      : `${commit} + uncommitted changes`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
