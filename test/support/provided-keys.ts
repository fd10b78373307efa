/**
 * Values that the global setup hands to test files. Typed for `inject()` and
 * mirrored in environment variables for anything running outside vitest.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser-ish URL of the test PostgreSQL server (may create and drop databases). */
    pgAdminUrl: string;
    /** `http://127.0.0.1:PORT` of the s3rver instance. */
    s3Endpoint: string;
    s3AccessKeyId: string;
    s3SecretAccessKey: string;
  }
}

/** Environment variable names carrying the same values (set by the global setup). */
export const TEST_ENV = {
  pgAdminUrl: 'TEST_PG_ADMIN_URL',
  s3Endpoint: 'TEST_S3_ENDPOINT',
  s3AccessKeyId: 'TEST_S3_ACCESS_KEY_ID',
  s3SecretAccessKey: 'TEST_S3_SECRET_ACCESS_KEY',
} as const;

export type ProvidedKey = keyof typeof TEST_ENV;
