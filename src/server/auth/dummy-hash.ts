import { randomBytes } from 'node:crypto';
import type { PasswordHasher } from './password-hasher.js';

/**
 * A hash of a random password to compare against when the email is unknown, so that answer takes
 * as long as a wrong password. Its cost is `server.bcryptCost`, the one cost every stored hash is
 * brought up to at its next login; made once per app, on first need.
 */
export function dummyHashSource(passwords: PasswordHasher, cost: number): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => {
    if (!pending) {
      pending = passwords.hash(randomBytes(18).toString('base64'), cost);
      // A failure (workers shutting down) is retried by the next login rather than remembered.
      pending.catch(() => (pending = undefined));
    }
    return pending;
  };
}
