import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../errors.js';

export interface TokenSecret {
  key: Uint8Array;
  /** True when no secret was configured and a random one was made for this process. */
  generated: boolean;
}

/**
 * The signing key: `server.tokenSecret` / SEED_TOKEN_SECRET, else a random per-process key —
 * except in production, where tokens that die on every restart (and differ between instances)
 * would be a silent outage, so starting is refused.
 */
export function resolveTokenSecret(configured: string | undefined, production: boolean): TokenSecret {
  if (configured) return { key: new TextEncoder().encode(configured), generated: false };
  if (production) {
    throw new ConfigError(
      'NODE_ENV=production and no token secret is configured: refusing to start the API; nothing was changed. ' +
        'Set SEED_TOKEN_SECRET (or server.tokenSecret in seedrc.json) to a random value of at least 32 characters, e.g. `openssl rand -base64 48`.',
      ['server.tokenSecret: required when NODE_ENV=production'],
    );
  }
  return { key: randomBytes(32), generated: true };
}
