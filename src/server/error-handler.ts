import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { safeErrorStack } from '../db/describe-pg-error.js';
import { isConnectionLost } from '../db/connection-lost.js';
import { SeedError, type ErrorCode } from '../errors.js';
import { ApiError } from './api-error.js';
import { escapeControl } from './log-text.js';
import type { ServerLogger } from './logger.js';

/** The one table from domain error codes to HTTP statuses (the CLI has its exit-code twin). */
const STATUS_BY_CODE = {
  USAGE: 400,
  CONFIRMATION_REQUIRED: 400,
  NOT_FOUND: 404,
  LOCKED: 409,
  // Not 409: clients retry a 409 (lock held); this refusal needs a config change instead.
  PRODUCTION_REFUSED: 422,
  CONFIG_INVALID: 500,
  SEEDER_FAILED: 500,
  SEEDER_DEFINITION: 500,
  SEEDER_LOAD: 500,
  BACKUP_FAILED: 500,
  // The request was understood but names a backup that cannot be used (e.g. its manifest names another key).
  BACKUP_INVALID: 422,
  RESTORE_FAILED: 500,
  RESET_REFUSED: 409,
  OPERATION_FAILED: 500,
  DATABASE_UNAVAILABLE: 503,
  // The database URL points at a transaction-mode pooler: a deployment fix, not a retry.
  POOLER_UNSUPPORTED: 500,
  // The lock session was lost (connection dropped): retrying once the database is back is right.
  LOCK_LOST: 503,
  CONNECTION_LOST: 503,
  STORE_UNAVAILABLE: 503,
  // The server is shutting down and the grace period ran out: the run was rolled back.
  CANCELLED: 503,
} as const satisfies Record<ErrorCode, ContentfulStatusCode>;

/** Connection-level failures of the database driver: the server is fine, the database is not. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
]);

export interface ErrorHandlerOptions {
  logger: ServerLogger;
  /** Masks known secrets in anything sent back. */
  redact: (text: string) => string;
}

/**
 * The only place that picks an error status. Responses are `{detail}` (plus `execution_id` when a
 * run was recorded); anything unrecognised becomes a bare 500 — its message and stack go to the
 * log only, since they may carry SQL or internals.
 */
export function createErrorHandler({ logger, redact }: ErrorHandlerOptions) {
  return (error: Error, c: Context): Response => {
    if (error instanceof ApiError)
      return c.json({ detail: error.detail }, error.status, { ...error.headers });
    if (error instanceof SeedError) {
      const status = STATUS_BY_CODE[error.code];
      if (status >= 500)
        logger.error('request_failed', `${c.req.method} ${escapeControl(c.req.path)}: ${error.message}`, {
          code: error.code,
          execution_id: error.executionId ?? null,
        });
      const body = {
        detail: redact(error.message),
        ...(error.executionId !== undefined ? { execution_id: error.executionId } : {}),
      };
      return c.json(body, status);
    }
    if (error instanceof HTTPException)
      return c.json({ detail: error.message || 'Request refused.' }, error.status as ContentfulStatusCode);
    if (isUnreachable(error)) {
      logger.error('database_unavailable', `${c.req.method} ${escapeControl(c.req.path)}: ${error.message}`);
      return c.json(
        {
          detail:
            'The database is unreachable; nothing was changed. Check that PostgreSQL is up, then retry.',
        },
        503,
      );
    }
    logger.error(
      'internal_error',
      `${c.req.method} ${escapeControl(c.req.path)}: ${safeErrorStack(error) ?? error.message}`,
    );
    return c.json(
      {
        detail:
          'Internal error: the request failed unexpectedly and the server log has the details. Nothing was reported as done; check GET /api/v1/seeders/ before retrying.',
      },
      500,
    );
  };
}

function isUnreachable(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNREACHABLE.has(code) || code.startsWith('08'))) return true;
  // node-postgres reports a connection dropped while connecting or in use without a code.
  return isConnectionLost(error);
}
