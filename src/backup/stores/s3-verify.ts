import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { OperationError } from '../../errors.js';
import { sha256Hex } from '../digest-tap.js';
import type { S3Config } from './s3-client.js';
import type { WithDeadline } from './with-deadline.js';

/** Objects up to this size are read back and hashed after upload; larger ones are checked by size. */
const READ_BACK_LIMIT = 8 * 1024 * 1024;

export interface StoredExpectation {
  key: string;
  size: number;
  sha256: string;
}

/**
 * Confirms the store holds exactly what was sent: the size always (an S3-compatible server that keeps
 * aws-chunked framing inside the object fails here), the SHA-256 too when the object is small.
 */
export async function verifyStored(
  client: S3Client,
  s3: S3Config,
  deadline: WithDeadline,
  expected: StoredExpectation,
): Promise<void> {
  const { key, size, sha256 } = expected;
  const Bucket = s3.bucket;
  const head = await deadline('verify', key, (abortSignal) =>
    client.send(new HeadObjectCommand({ Bucket, Key: key }), { abortSignal }),
  );
  if (head.ContentLength !== size) {
    throw mismatch(
      s3,
      key,
      `holds ${head.ContentLength ?? 'an unknown number of'} bytes but ${size} were sent`,
    );
  }
  if (size > READ_BACK_LIMIT) return;
  const stored = await deadline('verify', key, async (abortSignal) => {
    const object = await client.send(new GetObjectCommand({ Bucket, Key: key }), { abortSignal });
    return Buffer.from((await object.Body?.transformToByteArray()) ?? []);
  });
  if (sha256Hex(stored) !== sha256)
    throw mismatch(s3, key, 'does not read back with the SHA-256 that was sent');
}

function mismatch(s3: S3Config, key: string, what: string): OperationError {
  const hint = s3.endpoint
    ? ' If this S3-compatible server mishandles SDK checksums, set backup.s3.checksums to "WHEN_REQUIRED".'
    : '';
  return new OperationError(
    'BACKUP_FAILED',
    `The object ${key} in s3://${s3.bucket} ${what}: the store did not keep the data as sent, so it cannot be trusted.${hint} ` +
      'Take the backup again; delete the bad object if it stays listed.',
  );
}
