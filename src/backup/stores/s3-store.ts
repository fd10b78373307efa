import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { ConfigError } from '../../errors.js';
import type { BackupStore, PutResult, StoredObject } from '../store.js';
import { guardDownload } from './download-guard.js';
import { KeyTakenError } from './key-taken.js';
import { assertKeyPrefix, assertObjectKey } from './object-key.js';
import {
  createS3Client,
  describeBucket,
  timeoutMsOf,
  type S3Config,
  type S3Credentials,
} from './s3-client.js';
import { s3Error, type S3ErrorContext } from './s3-errors.js';
import { streamUpload } from './s3-upload.js';
import { verifyStored } from './s3-verify.js';
import { createWithDeadline } from './with-deadline.js';
import { sha256Hex } from '../digest-tap.js';

/** DeleteObjects takes at most this many keys per call. */
const DELETE_BATCH = 1000;

export interface S3StoreOptions {
  /** Explicit credentials (tests, the API); otherwise the SDK's standard chain. */
  credentials?: S3Credentials;
}

/**
 * Backups in an S3 bucket (or an S3-compatible store) under `backup.s3.prefix`. Objects are
 * created, never replaced: every write is conditional (`If-None-Match: *`, on PutObject and on
 * CompleteMultipartUpload), and since some S3-compatible servers ignore that header the key is
 * also checked (HeadObject) just before. A taken key is a {@link KeyTakenError}.
 */
export function createS3Store(s3: S3Config, options: S3StoreOptions = {}): BackupStore {
  assertKeyPrefix(s3.prefix);
  if (s3.kmsKeyId && s3.sse !== 'aws:kms') {
    throw new ConfigError(
      'backup.s3.kmsKeyId is set but backup.s3.sse is not "aws:kms": set sse to "aws:kms" or remove kmsKeyId. Nothing was changed.',
      ['backup.s3.kmsKeyId: requires backup.s3.sse = "aws:kms"'],
    );
  }
  const client: S3Client = createS3Client(s3, options.credentials);
  const secrets = options.credentials
    ? [options.credentials.secretAccessKey, options.credentials.accessKeyId]
    : [];
  const context: S3ErrorContext = { s3, secrets };
  const timeoutMs = timeoutMsOf(s3);
  const deadline = createWithDeadline(timeoutMs, (error, action, key, interruption) =>
    s3Error(error, action, context, key, interruption),
  );
  const Bucket = s3.bucket;
  const encryption = {
    ...(s3.sse ? { ServerSideEncryption: s3.sse } : {}),
    ...(s3.sse === 'aws:kms' && s3.kmsKeyId ? { SSEKMSKeyId: s3.kmsKeyId } : {}),
  } as const;
  // lib-storage passes its params to PutObject (one part) and CompleteMultipartUpload alike.
  const createOnly = { IfNoneMatch: '*' } as const;

  /**
   * The check before a write, for servers that ignore If-None-Match. A 403 (a role without
   * s3:ListBucket gets it for a missing key on AWS, which honours the condition anyway) leaves the
   * decision to the conditional write, which also reports the access problem by its proper name.
   */
  const assertFree = async (key: string): Promise<void> => {
    const found = await deadline('upload', key, async (abortSignal) => {
      try {
        await client.send(new HeadObjectCommand({ Bucket, Key: key }), { abortSignal });
        return true;
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404 || status === 403) return false;
        throw error;
      }
    });
    if (found) throw new KeyTakenError(key, describeBucket(s3));
  };

  return {
    description: describeBucket(s3),
    prefix: s3.prefix,
    holdsReadsOpen: false,

    async put(key, body, putOptions): Promise<PutResult> {
      assertObjectKey(key);
      await assertFree(key);
      const ContentType = putOptions?.contentType ?? 'application/octet-stream';
      // A client of its own, destroyed when the upload ends: that also ends any request still in flight.
      const uploadClient = createS3Client(s3, options.credentials);
      let result: PutResult;
      try {
        result = await streamUpload({
          client: uploadClient,
          context,
          params: { Bucket, Key: key, ContentType, ...encryption, ...createOnly },
          body,
          signal: putOptions?.signal,
        });
      } finally {
        uploadClient.destroy();
      }
      await verifyStored(client, s3, deadline, result);
      return result;
    },

    async putSmall(key, body): Promise<void> {
      assertObjectKey(key);
      const data = typeof body === 'string' ? Buffer.from(body) : body;
      const ContentType = key.endsWith('.json') ? 'application/json' : 'application/octet-stream';
      await assertFree(key);
      await deadline('upload', key, (abortSignal) =>
        client.send(
          new PutObjectCommand({ Bucket, Key: key, Body: data, ContentType, ...encryption, ...createOnly }),
          { abortSignal },
        ),
      );
      await verifyStored(client, s3, deadline, { key, size: data.length, sha256: sha256Hex(data) });
    },

    async get(key, getOptions): Promise<Readable> {
      assertObjectKey(key);
      const object = await deadline(
        'read',
        key,
        (abortSignal) => client.send(new GetObjectCommand({ Bucket, Key: key }), { abortSignal }),
        getOptions?.signal,
      );
      if (!(object.Body instanceof Readable))
        throw s3Error(new Error('the response has no body stream'), 'read', context, key);
      return guardDownload(
        object.Body,
        timeoutMs,
        () => s3Error(null, 'read', context, key, 'timeout'),
        (error) => s3Error(error, 'read', context, key, getOptions?.signal?.aborted ? 'cancelled' : null),
      );
    },

    async head(key): Promise<StoredObject | null> {
      assertObjectKey(key);
      try {
        return await deadline('read', key, async (abortSignal) => {
          const found = await client.send(new HeadObjectCommand({ Bucket, Key: key }), { abortSignal });
          return { key, size: found.ContentLength ?? 0, lastModified: found.LastModified ?? new Date(0) };
        });
      } catch (error) {
        if ((error as { code?: string }).code === 'NOT_FOUND') return null;
        throw error;
      }
    },

    async getSmall(key): Promise<Buffer | null> {
      assertObjectKey(key);
      try {
        return await deadline('read', key, async (abortSignal) => {
          const object = await client.send(new GetObjectCommand({ Bucket, Key: key }), { abortSignal });
          return Buffer.from((await object.Body?.transformToByteArray()) ?? []);
        });
      } catch (error) {
        if ((error as { code?: string }).code === 'NOT_FOUND') return null;
        throw error;
      }
    },

    async list(prefix): Promise<StoredObject[]> {
      assertKeyPrefix(prefix);
      const found: StoredObject[] = [];
      let ContinuationToken: string | undefined;
      let StartAfter: string | undefined;
      for (;;) {
        const page = await deadline('list', undefined, (abortSignal) =>
          client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken, StartAfter }), {
            abortSignal,
          }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key)
            found.push({
              key: object.Key,
              size: object.Size ?? 0,
              lastModified: object.LastModified ?? new Date(0),
            });
        }
        if (!page.IsTruncated) return found;
        // Some S3-compatible servers truncate without a continuation token: continue after the last key.
        const last = found.at(-1)?.key;
        if (page.NextContinuationToken) {
          ContinuationToken = page.NextContinuationToken;
        } else if (last !== undefined && last !== StartAfter) {
          ContinuationToken = undefined;
          StartAfter = last;
        } else {
          throw s3Error(new Error('the listing is truncated but gives no way to continue'), 'list', context);
        }
      }
    },

    async delete(keys): Promise<void> {
      keys.forEach(assertObjectKey);
      for (let start = 0; start < keys.length; start += DELETE_BATCH) {
        const batch = keys.slice(start, start + DELETE_BATCH);
        const result = await deadline('delete', undefined, (abortSignal) =>
          client.send(
            new DeleteObjectsCommand({
              Bucket,
              Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
            }),
            { abortSignal },
          ),
        );
        const failed = result.Errors ?? [];
        if (failed.length > 0) {
          const sample = failed
            .slice(0, 5)
            .map((e) => `${e.Key ?? '?'} (${e.Code ?? 'error'})`)
            .join(', ');
          throw s3Error(
            Object.assign(new Error(`${failed.length} object(s) could not be deleted: ${sample}`), {
              name: failed[0]?.Code ?? 'DeleteFailed',
            }),
            'delete',
            context,
          );
        }
      }
    },
  };
}
