import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { TokenScope } from './auth/tokens.js';

/** Who is calling, once the bearer token has been verified against the users table. */
export interface Principal {
  userId: number;
  scope: TokenScope;
  /** The token_version the token carries (a password change needs it). */
  tokenVersion: number;
}

/** Hono's environment: the Node request when served over HTTP (absent under `app.request()`). */
export interface AppEnv {
  Bindings: { incoming?: IncomingMessage };
  Variables: { principal?: Principal };
}

export type AppContext = Context<AppEnv>;

/** The verified caller; only called behind `authenticate`. */
export function principalOf(c: AppContext): Principal {
  const principal = c.get('principal');
  if (!principal) throw new Error('principalOf() used on a route without authenticate()');
  return principal;
}

/**
 * The client's address for throttling: the peer, or — behind `trustedProxies` reverse proxies
 * (`server.trustProxy`) — the X-Forwarded-For entry that many hops back: each proxy appends the
 * address it received from, so the entries before those are whatever the client claimed.
 */
export function clientAddress(c: AppContext, trustedProxies: number): string {
  const peer = c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
  if (trustedProxies <= 0) return peer;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [peer, ...forwarded.reverse()];
  return chain[Math.min(trustedProxies, chain.length - 1)] as string;
}
