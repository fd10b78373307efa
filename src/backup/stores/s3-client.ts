import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../config/schema.js';

/** S3 settings with the prefix resolved (`backup.s3.prefix`, else `backup.prefix`). */
export type S3Config = NonNullable<Config['backup']['s3']> & { prefix: string };

/** Explicit credentials; without them the SDK's standard chain (env, profile, SSO, role) is used. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Attempts per request: retries absorb a dropped connection or a 503, while a hang is bounded by the deadline. */
const MAX_ATTEMPTS = 3;
/** A TCP connection that is not up within this time will not come up: fail fast even when `timeout` is long. */
const MAX_CONNECT_MS = 10_000;

/**
 * An S3 client that cannot hang: each request has a connect timeout and a request timeout that
 * throws (`throwOnRequestTimeout`; without it the SDK only logs a warning and waits forever).
 *
 * Since SDK v3.729 the client adds CRC32 checksums to every upload by default. Many S3-compatible
 * servers reject them, and some (s3rver, measured) store a streamed body's aws-chunked framing inside
 * the object without complaint. With a custom endpoint the default is therefore WHEN_REQUIRED;
 * `backup.s3.checksums` overrides it, and every upload is verified anyway (s3-upload.ts).
 */
export function createS3Client(s3: S3Config, credentials?: S3Credentials): S3Client {
  const timeoutMs = timeoutMsOf(s3);
  const checksums = s3.checksums ?? (s3.endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED');
  return new S3Client({
    region: s3.region,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    forcePathStyle: s3.forcePathStyle,
    ...(credentials ? { credentials } : {}),
    maxAttempts: MAX_ATTEMPTS,
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
    requestHandler: {
      connectionTimeout: Math.min(timeoutMs, MAX_CONNECT_MS),
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
    },
  });
}

export function timeoutMsOf(s3: S3Config): number {
  return Math.max(1, Math.round(s3.timeout * 1000));
}

/** The host requests go to, for messages: the custom endpoint's, or AWS's regional one. */
export function endpointHost(s3: S3Config): string {
  if (s3.endpoint) {
    try {
      return new URL(s3.endpoint).host;
    } catch {
      return s3.endpoint;
    }
  }
  return `s3.${s3.region}.amazonaws.com`;
}

/** `s3://bucket/prefix` — never any credential. */
export function describeBucket(s3: S3Config): string {
  return `s3://${s3.bucket}/${s3.prefix}`;
}
