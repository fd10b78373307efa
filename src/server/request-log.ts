import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.js';
import type { ServerLogger } from './logger.js';

/** One line per request: method, path (no query string), status, duration, user id — never a body or header. */
export function requestLog(logger: ServerLogger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      logger.request({
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Math.round(performance.now() - started),
        user_id: c.get('principal')?.userId ?? null,
      });
    }
  };
}
