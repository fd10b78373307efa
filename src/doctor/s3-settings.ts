import type {
  GetBucketEncryptionCommandOutput,
  GetBucketLifecycleConfigurationCommandOutput,
  GetBucketVersioningCommandOutput,
  LifecycleRule,
} from '@aws-sdk/client-s3';
import type { S3Config } from '../backup/stores/s3-client.js';
import { type Finding, ok, warn } from './check.js';

/** The read-only action doctor needs for each bucket setting (listed in README's IAM policy). */
const SETTING_ACTIONS = {
  encryption: 's3:GetEncryptionConfiguration',
  versioning: 's3:GetBucketVersioning',
  lifecycle: 's3:GetLifecycleConfiguration',
} as const;

/** What S3 answers when a bucket simply has no such configuration. */
const ABSENT_NAMES: Record<keyof typeof SETTING_ACTIONS, string> = {
  encryption: 'ServerSideEncryptionConfigurationNotFoundError',
  versioning: '',
  lifecycle: 'NoSuchLifecycleConfiguration',
};

interface SdkError {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

export function isAccessDenied(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as SdkError;
  return name === 'AccessDenied' || name === 'Forbidden' || $metadata?.httpStatusCode === 403;
}

/** "! cannot check (needs …)" on AccessDenied, "! not supported" on NotImplemented / 501, else undefined. */
export function deniedOrUnsupported(error: unknown, action: string): Finding | undefined {
  const { name, $metadata } = (error ?? {}) as SdkError;
  if (isAccessDenied(error)) return warn(`cannot check (needs ${action})`);
  if (name === 'NotImplemented' || $metadata?.httpStatusCode === 501)
    return warn('not supported by this endpoint (it answered NotImplemented)');
  return undefined;
}

/** Reads each GetBucket* answer as present / absent. */
export const bucketSettingFinding = {
  encryption(answer: GetBucketEncryptionCommandOutput, s3: S3Config): Finding {
    const algorithms = (answer.ServerSideEncryptionConfiguration?.Rules ?? [])
      .map((rule) => rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm)
      .filter(Boolean);
    if (algorithms.length > 0) return ok(`default encryption: ${algorithms.join(', ')}`);
    return absentEncryption(s3);
  },

  versioning(answer: GetBucketVersioningCommandOutput): Finding {
    return answer.Status === 'Enabled'
      ? ok('versioning: enabled (a deleted or overwritten backup can be recovered)')
      : warn(
          `versioning: ${answer.Status === 'Suspended' ? 'suspended' : 'never enabled'} — a deleted or overwritten backup cannot be recovered`,
        );
  },

  lifecycle(answer: GetBucketLifecycleConfigurationCommandOutput, prefix: string): Finding {
    const rule = (answer.Rules ?? []).find((r) => abortsUploadsUnder(r, prefix));
    if (rule)
      return ok(
        `lifecycle: rule ${rule.ID ? `"${rule.ID}" ` : ''}aborts incomplete multipart uploads after ${rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation} day(s)`,
      );
    return warn(
      `lifecycle: no enabled rule aborts incomplete multipart uploads under "${prefix}": parts of an interrupted backup are kept (and billed) until one does`,
    );
  },

  /** The answer of a bucket without the setting, or denied / unsupported; undefined for anything else. */
  absent(error: unknown, setting: keyof typeof SETTING_ACTIONS, s3: S3Config): Finding | undefined {
    const known = deniedOrUnsupported(error, SETTING_ACTIONS[setting]);
    if (known) return { ...known, detail: `${setting}: ${known.detail}` };
    const name = (error as SdkError | undefined)?.name;
    if (!name || name !== ABSENT_NAMES[setting]) return undefined;
    if (setting === 'encryption') return absentEncryption(s3);
    return bucketSettingFinding.lifecycle({ Rules: [], $metadata: {} }, s3.prefix);
  },
};

function absentEncryption(s3: S3Config): Finding {
  return s3.sse
    ? ok(`default encryption: none on the bucket, but backup.s3.sse asks for ${s3.sse} on every backup`)
    : warn(
        'default encryption: none — backups are stored unencrypted (set one on the bucket, or backup.s3.sse)',
      );
}

/** An enabled rule with AbortIncompleteMultipartUpload whose filter covers every key under `prefix`. */
function abortsUploadsUnder(rule: LifecycleRule, prefix: string): boolean {
  if (rule.Status !== 'Enabled' || rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation === undefined)
    return false;
  const filter = rule.Filter;
  // S3 refuses this action in a rule filtered by tags: only the prefix decides what it covers.
  if (filter?.Tag || filter?.And?.Tags?.length) return false;
  const rulePrefix = filter?.Prefix ?? filter?.And?.Prefix ?? rule.Prefix ?? '';
  return prefix.startsWith(rulePrefix);
}
