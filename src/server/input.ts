import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { ApiError } from './api-error.js';
import { textProblems } from './text-problems.js';

const MAX_BODY_BYTES = 64 * 1024;

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

/** Called before a body with a NUL or invalid UTF-8 is refused (a login counts it as a failure). */
export type OnBadText = (value: unknown) => Promise<void>;

/**
 * Reads the body as JSON whatever the Content-Type: the guide's own `curl -d '{…}'` examples
 * send `application/x-www-form-urlencoded`. An empty body is `{}`.
 */
export async function readJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  onBadText?: OnBadText,
): Promise<z.output<S>> {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  const damagedUtf8 = !isUtf8(bytes);
  const text = new TextDecoder('utf-8').decode(bytes).trim();
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
  const problems = textProblems(value, 'body', damagedUtf8);
  if (damagedUtf8 && problems.length === 0) problems.push('body: is not valid UTF-8');
  if (problems.length > 0) {
    await onBadText?.(value);
    throw invalid(problems);
  }
  return parseInput(schema, value, 'body');
}

/** The query string's fields; a value whose percent-encoding is not UTF-8 is a 400 naming it. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const search = new URL(c.req.url).search.slice(1);
  const problems: string[] = [];
  for (const pair of search.split('&').filter(Boolean)) {
    const [name = '', raw = ''] = pair.split('=', 2);
    if (!decodes(name)) problems.push('query: a field name is not valid UTF-8');
    else if (!decodes(raw)) problems.push(`query.${decodeURIComponent(name)}: is not valid UTF-8`);
  }
  if (problems.length > 0) throw invalid(problems);
  return parseInput(schema, c.req.query(), 'query');
}

/** Parses untrusted input once; a 400 names every field at fault. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'path',
): z.output<S> {
  const text = textProblems(value, where);
  if (text.length > 0) throw invalid(text);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((issue) => {
    const path = [where, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${path}.${key}: unknown field`);
    return [`${path}: ${issue.message}`];
  });
  throw invalid(problems);
}

function invalid(problems: readonly string[]): ApiError {
  return new ApiError(400, `Invalid request; nothing was done. ${problems.join('; ')}.`);
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function decodes(encoded: string): boolean {
  try {
    decodeURIComponent(encoded.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}
