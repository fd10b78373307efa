import { HTTPException } from 'hono/http-exception';

/**
 * An HTTP-level refusal (401, 403, 400, 413, 429, 503) with the `detail` the client sees.
 * Domain failures stay SeedErrors; the error handler maps those.
 */
export class ApiError extends HTTPException {
  readonly detail: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: 400 | 401 | 403 | 404 | 413 | 429 | 503,
    detail: string,
    headers: Record<string, string> = {},
  ) {
    super(status, { message: detail });
    this.detail = detail;
    this.headers = headers;
  }
}

/** 401 with the challenge RFC 6750 asks for; `invalid` marks a token that was sent but refused. */
export function unauthorized(detail: string, invalid = true): ApiError {
  const challenge = invalid
    ? 'Bearer realm="foodfleet-seed", error="invalid_token"'
    : 'Bearer realm="foodfleet-seed"';
  return new ApiError(401, detail, { 'WWW-Authenticate': challenge });
}

export function forbidden(detail: string): ApiError {
  return new ApiError(403, detail);
}
