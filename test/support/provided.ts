import { inject } from 'vitest';
import { TEST_ENV, type ProvidedKey } from './provided-keys.js';

/** Reads a value from the global setup: `inject()` first, the mirrored env var second. */
function provided(key: ProvidedKey): string {
  let value: string | undefined;
  try {
    value = inject(key);
  } catch {
    value = undefined; // not inside a vitest worker
  }
  value ||= process.env[TEST_ENV[key]];
  if (!value) {
    throw new Error(
      `Test value "${key}" is missing: is test/support/global-setup.ts configured as globalSetup?`,
    );
  }
  return value;
}

export function pgAdminUrl(): string {
  return provided('pgAdminUrl');
}

export interface S3Connection {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export function s3Connection(): S3Connection {
  return {
    endpoint: provided('s3Endpoint'),
    accessKeyId: provided('s3AccessKeyId'),
    secretAccessKey: provided('s3SecretAccessKey'),
  };
}
