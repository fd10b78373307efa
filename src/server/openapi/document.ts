import * as z from 'zod';
import { errorResponse } from './responses.js';
import { type DocumentedRoute, ROUTES } from './route-table.js';

type JsonSchema = Record<string, unknown>;

/** What each error status means, for every route that can answer it. */
const ERROR_MEANINGS: Record<number, string> = {
  400: 'Invalid body, query or path (the detail names each field at fault); nothing was done.',
  401: 'Missing, invalid or expired token, or one issued before a password change (WWW-Authenticate: Bearer).',
  403: "The caller's roles lack the permission, or the token may only change the password.",
  404: 'No such execution or backup.',
  409: 'Another run holds the lock, or a reset is refused because other tables reference the seeded rows.',
  413: 'The body is over 64 KB.',
  422: 'Refused in production, or the named backup cannot be used.',
  429: 'Too many failed password checks (Retry-After says when to retry).',
  500: 'A seeder, backup or restore failed (rolled back), or an internal error.',
  503: 'The database or backup store is unreachable, the tables are missing, or shutdown cancelled the run.',
};

/**
 * The OpenAPI 3.1 document of the API, generated from the zod schemas the routes parse
 * requests with (input side: defaults make fields optional) and those describing the answers.
 */
export function openApiDocument(version: string): JsonSchema {
  const components: Record<string, JsonSchema> = { Error: jsonSchema(errorResponse, 'output') };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    components[route.ok.name] ??= jsonSchema(route.ok.schema, 'output');
    paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'foodfleet-seed admin API',
      version,
      description:
        'The authenticated admin API of `foodfleet-seed serve`. Errors are `{detail}` (plus `execution_id` when a run was recorded).',
    },
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The access_token from POST /api/v1/auth/login.',
        },
      },
    },
  };
}

function operation(route: DocumentedRoute): JsonSchema {
  const parameters = [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')];
  return {
    summary: route.summary,
    operationId: operationId(route),
    ...(route.access === 'public' ? { security: [] } : { security: [{ bearer: [] }] }),
    ...(route.access.includes(':') ? { description: `Needs the \`${route.access}\` permission.` } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: false,
            description: 'JSON whatever the Content-Type; an empty body is `{}`.',
            content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
          },
        }
      : {}),
    responses: responses(route),
  };
}

function responses(route: DocumentedRoute): Record<string, unknown> {
  const statuses = new Set<number>(route.errors);
  if (route.body || route.query || route.params) statuses.add(400);
  if (route.body) statuses.add(413);
  if (route.access !== 'public') statuses.add(401);
  if (route.access.includes(':')) statuses.add(403);
  statuses.add(500);
  const answers: Record<string, unknown> = {
    200: { description: route.ok.description, content: json(ref(route.ok.name)) },
  };
  for (const status of [...statuses].sort()) {
    // /health answers 503 in its own shape; every other error is {detail}.
    const schema = route.path === '/health' && status === 503 ? ref(route.ok.name) : ref('Error');
    answers[status] = { description: ERROR_MEANINGS[status] ?? 'Refused.', content: json(schema) };
  }
  return answers;
}

function parametersOf(schema: z.ZodObject | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    schema: property,
  }));
}

/** The schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), without its `$schema` line. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function json(schema: JsonSchema): Record<string, unknown> {
  return { 'application/json': { schema } };
}

function ref(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

function operationId(route: DocumentedRoute): string {
  const words = `${route.method} ${route.path}`
    .replace(/\{(\w+)\}/g, 'by $1')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word && word !== 'api' && word !== 'v1');
  return words.map((word, i) => (i === 0 ? word : word[0]?.toUpperCase() + word.slice(1))).join('');
}
