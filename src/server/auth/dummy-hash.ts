import { randomBytes } from 'node:crypto';
import type { PasswordHasher } from './password-hasher.js';
import type { UserStore } from './user-store.js';

/**
 * A hash of a random password to compare against when the email is unknown, so that answer takes
 * as long as a wrong password. Its cost follows the hashes actually stored (the seeded super-admin
 * uses 12, `server.bcryptCost` may differ); made once per app, on first need.
 */
export function dummyHashSource(
  users: UserStore,
  passwords: PasswordHasher,
  fallbackCost: number,
): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => {
    if (!pending) {
      pending = (async () => {
        const cost = (await users.typicalHashCost()) ?? fallbackCost;
        return passwords.hash(randomBytes(18).toString('base64'), cost);
      })();
      // A failure (database down) is retried by the next login rather than remembered.
      pending.catch(() => (pending = undefined));
    }
    return pending;
  };
}
