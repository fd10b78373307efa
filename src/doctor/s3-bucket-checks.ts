import {
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { createS3Client, describeBucket, endpointHost, type S3Config } from '../backup/stores/s3-client.js';
import { s3Error } from '../backup/stores/s3-errors.js';
import { type CheckRunner, fail, type Finding, ok, warn } from './check.js';
import { bucketSettingFinding, deniedOrUnsupported, isAccessDenied } from './s3-settings.js';

/**
 * The S3 checks, on a client of their own (destroyed at the end): the bucket, its region, a
 * probe object put / read / listed / deleted under the prefix, then the bucket's encryption,
 * versioning and lifecycle settings, each read-only.
 */
export async function checkBucket(runner: CheckRunner, s3: S3Config): Promise<void> {
  const client = createS3Client(s3);
  try {
    const exists = await runner.check('store.bucket', (signal) => headBucket(client, s3, signal));
    if (!exists) return;
    await runner.check('store.region', (signal) => checkRegion(client, s3, signal));
    await runner.check('store.probe', (signal) => probeObject(client, s3, signal));
    for (const setting of ['encryption', 'versioning', 'lifecycle'] as const)
      await runner.check(`store.${setting}`, (signal) => bucketSetting(client, s3, setting, signal));
  } finally {
    client.destroy();
  }
}

async function headBucket(client: S3Client, s3: S3Config, signal: AbortSignal): Promise<Finding<true>> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: s3.bucket }), { abortSignal: signal });
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (error as Error).name === 'NotFound')
      return fail(
        `the bucket "${s3.bucket}" does not exist at ${endpointHost(s3)}: create it, or fix backup.s3.bucket (S3_BUCKET_NAME)`,
      );
    if (isAccessDenied(error))
      return fail(`access to the bucket "${s3.bucket}" is denied (HeadBucket needs s3:ListBucket)`);
    return fail(s3Error(error, 'list', { s3, secrets: [] }).message);
  }
  return { ...ok(`${describeBucket(s3)} exists at ${endpointHost(s3)}`), value: true };
}

async function checkRegion(client: S3Client, s3: S3Config, signal: AbortSignal): Promise<Finding> {
  let constraint: string | undefined;
  try {
    const answer = await client.send(new GetBucketLocationCommand({ Bucket: s3.bucket }), {
      abortSignal: signal,
    });
    constraint = answer.LocationConstraint;
  } catch (error) {
    return deniedOrUnsupported(error, 's3:GetBucketLocation') ?? fail(describe(error, s3));
  }
  // An empty constraint means us-east-1; "EU" is the legacy name of eu-west-1.
  const region = !constraint ? 'us-east-1' : constraint === 'EU' ? 'eu-west-1' : constraint;
  return region === s3.region
    ? ok(`the bucket is in ${region}, the configured region`)
    : fail(
        `the bucket is in ${region} but backup.s3.region (AWS_REGION) is ${s3.region}: set it to ${region}`,
      );
}

/** Which request of the probe failed, and the IAM action it needs. */
const PROBE_ACTIONS = {
  put: 's3:PutObject',
  get: 's3:GetObject',
  list: 's3:ListBucket',
  delete: 's3:DeleteObject',
} as const;

/** Writes, reads back, lists and deletes a small object under the prefix, as backups do. */
async function probeObject(client: S3Client, s3: S3Config, signal: AbortSignal): Promise<Finding> {
  const Bucket = s3.bucket;
  const Key = `${s3.prefix}foodfleet-seed-doctor-probe-${randomBytes(6).toString('hex')}`;
  const body = `foodfleet-seed doctor probe ${new Date().toISOString()}`;
  const encryption = {
    ...(s3.sse ? { ServerSideEncryption: s3.sse } : {}),
    ...(s3.sse === 'aws:kms' && s3.kmsKeyId ? { SSEKMSKeyId: s3.kmsKeyId } : {}),
  } as const;
  let step: keyof typeof PROBE_ACTIONS = 'put';
  let stored = false;
  try {
    await client.send(new PutObjectCommand({ Bucket, Key, Body: body, ...encryption }), {
      abortSignal: signal,
    });
    stored = true;
    step = 'get';
    const object = await client.send(new GetObjectCommand({ Bucket, Key }), { abortSignal: signal });
    const read = Buffer.from((await object.Body?.transformToByteArray()) ?? []).toString('utf8');
    if (read !== body) return fail(`the probe object ${Key} did not read back as written`);
    step = 'list';
    const listed = await client.send(new ListObjectsV2Command({ Bucket, Prefix: Key }), {
      abortSignal: signal,
    });
    if (!listed.Contents?.some((o) => o.Key === Key))
      return warn(
        `the probe object ${Key} was stored but not listed yet (an eventually consistent listing?)`,
      );
    step = 'delete';
    await deleteProbe(client, Bucket, Key, signal);
    stored = false;
  } catch (error) {
    return fail(probeFailure(error, s3, step, Key));
  } finally {
    // The probe never stays behind when a later step failed (best effort: the failure is reported).
    if (stored) await deleteProbe(client, Bucket, Key).catch(() => undefined);
  }
  return ok(`put, get, list and delete of a probe object under ${describeBucket(s3)} work`);
}

/** DeleteObjects, as backups prune does: failures come back per key, not as a thrown error. */
async function deleteProbe(
  client: S3Client,
  Bucket: string,
  Key: string,
  signal?: AbortSignal,
): Promise<void> {
  const answer = await client.send(
    new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key }], Quiet: true } }),
    signal ? { abortSignal: signal } : {},
  );
  const failed = answer.Errors?.[0];
  if (failed)
    throw Object.assign(new Error(failed.Message ?? failed.Code ?? 'delete failed'), {
      name: failed.Code ?? 'DeleteFailed',
    });
}

function probeFailure(error: unknown, s3: S3Config, step: keyof typeof PROBE_ACTIONS, key: string): string {
  if (isAccessDenied(error)) {
    const kms =
      s3.sse === 'aws:kms' && (step === 'put' || step === 'get')
        ? ' and kms:GenerateDataKey / kms:Decrypt on the KMS key'
        : '';
    return `${step} of the probe object ${key} was denied (needs ${PROBE_ACTIONS[step]}${kms} on ${describeBucket(s3)}*)${left(step)}`;
  }
  return `${step} of the probe object ${key} failed: ${describe(error, s3)}${left(step)}`;
}

/** Said when the object could not be deleted: the only change doctor makes must not go unnoticed. */
function left(step: keyof typeof PROBE_ACTIONS): string {
  return step === 'delete' ? '; the probe object is still stored: delete it by hand' : '';
}

async function bucketSetting(
  client: S3Client,
  s3: S3Config,
  setting: 'encryption' | 'versioning' | 'lifecycle',
  signal: AbortSignal,
): Promise<Finding> {
  const Bucket = s3.bucket;
  const options = { abortSignal: signal };
  try {
    if (setting === 'encryption')
      return bucketSettingFinding.encryption(
        await client.send(new GetBucketEncryptionCommand({ Bucket }), options),
        s3,
      );
    if (setting === 'versioning')
      return bucketSettingFinding.versioning(
        await client.send(new GetBucketVersioningCommand({ Bucket }), options),
      );
    return bucketSettingFinding.lifecycle(
      await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket }), options),
      s3.prefix,
    );
  } catch (error) {
    return bucketSettingFinding.absent(error, setting, s3) ?? fail(describe(error, s3));
  }
}

function describe(error: unknown, s3: S3Config): string {
  return s3Error(error, 'read', { s3, secrets: [] }).message;
}
