import { CancelledError, NotFoundError, OperationError, type SeedError } from '../../errors.js';
import type { S3Config } from './s3-client.js';
import { describeBucket, endpointHost } from './s3-client.js';
import { KeyTakenError } from './key-taken.js';

/** What was being done, for the message: `upload` stores, the others only read (or delete). */
export type S3Action = 'upload' | 'read' | 'list' | 'delete' | 'verify';

export interface S3ErrorContext {
  s3: S3Config;
  /** Strings that must never appear in a message (the access key id and secret, when known). */
  secrets: readonly string[];
}

const VERB: Record<S3Action, string> = {
  upload: 'Uploading',
  read: 'Reading',
  list: 'Listing backups in',
  delete: 'Deleting objects in',
  verify: 'Verifying',
};

const CONSEQUENCE: Record<S3Action, string> = {
  upload: 'Nothing was stored under this key.',
  read: 'Nothing was changed.',
  list: 'Nothing was changed.',
  delete: 'Objects not reported deleted are still stored; run the command again.',
  verify: 'The backup is not trustworthy.',
};

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
]);
const ACCESS_NAMES = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'AllAccessDisabled',
  'Forbidden',
]);
const REGION_NAMES = new Set([
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'IllegalLocationConstraintException',
]);

interface Problem {
  text: string;
  notFound?: boolean;
}

/** How a request ended when it was cut short by us rather than by the server. */
export type Interruption = 'timeout' | 'cancelled' | null;

/**
 * Turns anything the SDK or the network threw into an operator-facing error that names the store
 * and the endpoint host, says what to check, and never contains a credential.
 */
export function s3Error(
  error: unknown,
  action: S3Action,
  context: S3ErrorContext,
  key?: string,
  interruption: Interruption = null,
): SeedError {
  const { s3 } = context;
  const target = key ? `s3://${s3.bucket}/${key}` : describeBucket(s3);
  const where = `${VERB[action]} ${target} (${endpointHost(s3)})`;
  if (interruption === 'cancelled') {
    return new CancelledError(
      `Cancelled: ${where.charAt(0).toLowerCase()}${where.slice(1)} was stopped. ${CONSEQUENCE[action]}`,
    );
  }
  // A conditional write (If-None-Match: *) refused because the key exists, or lost a race for it.
  if (action === 'upload' && key && interruption === null && isKeyTaken(error))
    return new KeyTakenError(key, describeBucket(s3));
  const problem =
    interruption === 'timeout' ? timeoutProblem(s3) : describeProblem(error, context, action, key);
  if (problem.notFound)
    return new NotFoundError(
      scrub(`${where} failed: ${problem.text} ${CONSEQUENCE[action]}`, context.secrets),
    );
  return new OperationError(
    'STORE_UNAVAILABLE',
    scrub(`${where} failed: ${problem.text} ${CONSEQUENCE[action]}`, context.secrets),
    {
      cause: error,
    },
  );
}

function describeProblem(error: unknown, context: S3ErrorContext, action: S3Action, key?: string): Problem {
  const { s3 } = context;
  const err = (error ?? {}) as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = err.name ?? 'Error';
  const status = err.$metadata?.httpStatusCode;
  const host = endpointHost(s3);
  if (name === 'TimeoutError' || err.code === 'ETIMEDOUT') return timeoutProblem(s3);
  if (err.code && NETWORK_CODES.has(err.code)) {
    return {
      text:
        `cannot reach ${host} (${err.code}). Check backup.s3.endpoint (S3_ENDPOINT) and backup.s3.region (AWS_REGION), ` +
        'and that the service is running and reachable from this machine (proxy, firewall, DNS).',
    };
  }
  if (name === 'NoSuchBucket') {
    return {
      text: `the bucket "${s3.bucket}" does not exist at ${host}. Create it, or fix backup.s3.bucket (S3_BUCKET_NAME) and backup.s3.region (AWS_REGION).`,
    };
  }
  if ((name === 'NoSuchKey' || name === 'NotFound' || status === 404) && key && action !== 'upload') {
    return {
      text: `no object with this key exists. List the stored backups with \`foodfleet-seed backups\`.`,
      notFound: true,
    };
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(err.message ?? '')) {
    return {
      text:
        'no AWS credentials were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile (AWS_PROFILE), ' +
        'SSO, or an instance / task role.',
    };
  }
  if (ACCESS_NAMES.has(name) || status === 403) {
    const kms = s3.sse === 'aws:kms' ? ', and kms:GenerateDataKey / kms:Decrypt on the KMS key' : '';
    return {
      text:
        `access denied by ${host} (${name}). Check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the ` +
        `machine's role) and that they allow s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on the bucket${kms}.`,
    };
  }
  if (REGION_NAMES.has(name) || status === 301) {
    return {
      text: `${host} says the bucket is in another region than "${s3.region}" (${name}). Set backup.s3.region (AWS_REGION) to the bucket's region.`,
    };
  }
  const detail = err.message && err.message !== name ? `: ${err.message}` : '';
  return { text: `${host} answered ${name}${status ? ` (HTTP ${status})` : ''}${detail}.` };
}

function isKeyTaken(error: unknown): boolean {
  const err = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    err.name === 'PreconditionFailed' ||
    err.name === 'ConditionalRequestConflict' ||
    err.$metadata?.httpStatusCode === 412
  );
}

function timeoutProblem(s3: S3Config): Problem {
  const check = s3.endpoint
    ? 'Check that backup.s3.endpoint (S3_ENDPOINT) points at an S3 service and that it is reachable (proxy, firewall)'
    : `Check this machine's network access to ${endpointHost(s3)} (proxy, firewall)`;
  return {
    text: `no answer from ${endpointHost(s3)} within ${s3.timeout} s (backup.s3.timeout / S3_TIMEOUT). ${check}; on a slow link raise the timeout.`,
  };
}

/** Belt and braces: SDK messages should not carry credentials, but a message is never allowed to. */
function scrub(message: string, secrets: readonly string[]): string {
  let result = message;
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join('***');
  return result;
}
