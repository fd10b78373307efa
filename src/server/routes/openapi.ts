import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';

/**
 * `GET /openapi.json`, public: the document is built on the first request (zod's JSON Schema
 * conversion and the route table load only then, so start-up is unchanged) and kept.
 */
export function openApiRoutes(): Hono<AppEnv> {
  let document: Promise<unknown> | undefined;
  const build = async () => {
    const { openApiDocument } = await import('../openapi/document.js');
    return openApiDocument(await packageVersion());
  };
  return new Hono<AppEnv>().get('/', async (c) => {
    document ??= build().catch((error: unknown) => {
      document = undefined;
      throw error;
    });
    return c.json(await document);
  });
}

/** The package's version, from the nearest package.json above this file (src/ or dist/src/). */
async function packageVersion(): Promise<string> {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    const text = await readFile(new URL('package.json', dir), 'utf8').catch(() => null);
    const found = text === null ? null : (JSON.parse(text) as { name?: string; version?: string });
    if (found?.name === 'foodfleet-seed' && found.version) return found.version;
  }
  return '0.0.0';
}
