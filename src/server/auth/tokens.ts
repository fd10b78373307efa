import { errors, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../clock.js';
import { unauthorized } from '../api-error.js';

const ISSUER = 'foodfleet-seed';
const AUDIENCE = 'foodfleet-seed-admin-api';
const ALGORITHM = 'HS256';

/** `password_change`: the account still uses the published default password (production only). */
export type TokenScope = 'full' | 'password_change';

export interface TokenClaims {
  userId: number;
  /** The user's `token_version` when the token was issued; a password change bumps it. */
  version: number;
  scope: TokenScope;
}

export interface IssuedToken {
  token: string;
  expiresIn: number;
}

export interface TokenServiceOptions {
  secret: Uint8Array;
  lifetimeSeconds: number;
  clock: Clock;
}

/** Signs and verifies the API's bearer tokens (HS256 JWTs, jose). */
export class TokenService {
  readonly #options: TokenServiceOptions;

  constructor(options: TokenServiceOptions) {
    this.#options = options;
  }

  async issue(claims: TokenClaims): Promise<IssuedToken> {
    const now = Math.floor(this.#options.clock.now().getTime() / 1000);
    const { lifetimeSeconds } = this.#options;
    const token = await new SignJWT({
      ver: claims.version,
      ...(claims.scope === 'full' ? {} : { scope: claims.scope }),
    })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(String(claims.userId))
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(this.#options.secret);
    return { token, expiresIn: lifetimeSeconds };
  }

  /** The claims of a valid token; a 401 saying why otherwise (expired vs invalid). */
  async verify(token: string): Promise<TokenClaims> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.#options.secret, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['sub', 'exp', 'iat'],
        currentDate: this.#options.clock.now(),
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        throw unauthorized('The token has expired: log in again (POST /api/v1/auth/login).');
      throw unauthorized(
        'The token is invalid (malformed, wrongly signed, or issued by another server): log in again (POST /api/v1/auth/login).',
      );
    }
    return toClaims(payload);
  }
}

function toClaims(payload: Record<string, unknown>): TokenClaims {
  // Only the form issue() writes: Number() would also read "0x1", "1 " or "1e0" as user 1.
  const userId =
    typeof payload.sub === 'string' && /^[1-9][0-9]{0,15}$/.test(payload.sub) ? Number(payload.sub) : NaN;
  const version = payload.ver;
  const scope = payload.scope ?? 'full';
  if (
    !Number.isSafeInteger(userId) ||
    userId < 1 ||
    typeof version !== 'number' ||
    !Number.isSafeInteger(version) ||
    (scope !== 'full' && scope !== 'password_change')
  ) {
    throw unauthorized('The token is invalid (unexpected claims): log in again (POST /api/v1/auth/login).');
  }
  return { userId, version, scope };
}
