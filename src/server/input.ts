import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { ApiError } from './api-error.js';

export const MAX_BODY_BYTES = 64 * 1024;

/** 413 before anything else reads a body over 64 KB (counted as it streams when chunked). */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(
      413,
      `The request body is over ${MAX_BODY_BYTES / 1024} KB; nothing was done. Send a smaller JSON document.`,
    );
  },
});

/**
 * Reads the body as JSON whatever the Content-Type: the guide's own `curl -d '{…}'` examples
 * send `application/x-www-form-urlencoded`. An empty body is `{}`.
 */
export async function readJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = (await c.req.text()).trim();
  let value: unknown = {};
  if (text !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError(
        400,
        'The request body is not valid JSON; nothing was done. Send a JSON object, e.g. {"create_backup": true}.',
      );
    }
  }
  return parseInput(schema, value, 'body');
}

/** Parses untrusted input once; a 400 names every field at fault. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'path',
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((issue) => {
    const path = [where, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${path}.${key}: unknown field`);
    return [`${path}: ${issue.message}`];
  });
  throw new ApiError(400, `Invalid request; nothing was done. ${problems.join('; ')}.`);
}
