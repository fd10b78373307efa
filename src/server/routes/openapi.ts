import { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import { packageVersion } from '../../package-root.js';

/**
 * `GET /openapi.json`, public: the document is built on the first request (zod's JSON Schema
 * conversion and the route table load only then, so start-up is unchanged) and kept.
 */
export function openApiRoutes(): Hono<AppEnv> {
  let document: Promise<unknown> | undefined;
  const build = async () => {
    const { openApiDocument } = await import('../openapi/document.js');
    return openApiDocument(packageVersion());
  };
  return new Hono<AppEnv>().get('/', async (c) => {
    document ??= build().catch((error: unknown) => {
      document = undefined;
      throw error;
    });
    return c.json(await document);
  });
}
