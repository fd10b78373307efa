import type { TestProject } from 'vitest/node';
import { TEST_ENV } from './provided-keys.js';
import { startTestPostgres } from './postgres-server.js';
import { redactUrl } from './redact.js';
import { startS3 } from './s3-server.js';

/**
 * Starts the shared servers once per `vitest run`: PostgreSQL (TEST_DATABASE_URL
 * or embedded) and s3rver. Values reach tests through `inject()` and, for child
 * processes, through the TEST_* environment variables in provided-keys.ts.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Inherited by the test workers: silences the AWS SDK's "node >=22" warning on Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const postgres = await startTestPostgres();
  const s3 = await startS3().catch(async (error: unknown) => {
    await postgres.stop();
    throw error;
  });
  const values = {
    pgAdminUrl: postgres.adminUrl,
    s3Endpoint: s3.endpoint,
    s3AccessKeyId: s3.accessKeyId,
    s3SecretAccessKey: s3.secretAccessKey,
  };
  for (const [key, value] of Object.entries(values)) {
    project.provide(key as keyof typeof values, value);
    process.env[TEST_ENV[key as keyof typeof values]] = value;
  }
  console.log(
    `[test setup] PostgreSQL (${postgres.source}): ${redactUrl(postgres.adminUrl)}; S3: ${s3.endpoint}`,
  );

  return async () => {
    const results = await Promise.allSettled([s3.stop(), postgres.stop()]);
    const errors = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    if (errors.length > 0) throw new AggregateError(errors, 'Stopping the test servers failed');
  };
}
