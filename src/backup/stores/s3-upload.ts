import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { PutResult } from '../store.js';
import { timeoutMsOf } from './s3-client.js';
import { type S3ErrorContext, s3Error } from './s3-errors.js';
import { installRequestGate } from './request-gate.js';
import { createUploadFeed } from './upload-feed.js';

/**
 * Parts uploaded at once. Memory is about (queue + 2) × part size (lib-storage buffers whole parts),
 * so two keeps a 16 MiB-part backup near 64 MB while still overlapping reading and sending.
 */
const QUEUE_SIZE = 2;

export interface UploadRequest {
  /** A client for this upload alone: destroyed when it ends, which also kills requests still in flight. */
  client: S3Client;
  context: S3ErrorContext;
  params: Omit<PutObjectCommandInput, 'Body'> & { Key: string };
  body: Readable;
  signal?: AbortSignal | undefined;
}

/**
 * Streams `body` as a multipart upload (parts of `backup.s3.partSizeMb`: 16 MiB × the 10,000-part
 * limit allows 160 GB), hashing and counting it on the way. The caller verifies the stored object.
 *
 * Never hangs: besides each request's own timeout, a watchdog aborts the upload when the uploader
 * holds data but nothing moves for `backup.s3.timeout` seconds. Time spent waiting for the producer
 * does not count, so a slow database does not fail a healthy upload.
 */
export async function streamUpload(request: UploadRequest): Promise<PutResult> {
  const { client, context, params, body, signal } = request;
  const feed = createUploadFeed(body);
  const closeGate = installRequestGate(client);
  const upload = new Upload({
    client,
    params: { ...params, Body: feed.stream },
    partSize: context.s3.partSizeMb * 1024 * 1024,
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
  });
  let lastProgress = Date.now();
  upload.on('httpUploadProgress', () => (lastProgress = Date.now()));
  const timeoutMs = timeoutMsOf(context.s3);
  let outcome: 'stalled' | 'cancelled' | null = null;
  // lib-storage only notices an abort() made after done() was called, so a cancel that comes
  // earlier (during the key check) would leave done() waiting on a body nobody ends: race it ourselves.
  let stopped: (reason: Error) => void = () => {};
  const stoppedEarly = new Promise<never>((_, reject) => {
    stopped = reject;
  });
  stoppedEarly.catch(() => {}); // observed by the race below; this only keeps an early stop from counting as unhandled
  const stop = (why: 'stalled' | 'cancelled') => {
    outcome ??= why;
    stopped(Object.assign(new Error('Upload aborted.'), { name: 'AbortError' }));
    // Nothing more goes out, and what is in flight is cut. A multipart upload left incomplete is
    // removed by the bucket's AbortIncompleteMultipartUpload lifecycle rule (see README).
    closeGate();
    void upload.abort();
    client.destroy();
  };
  const watchdog = setInterval(
    () => {
      const idleSince = Math.max(lastProgress, feed.lastActivity());
      if (!feed.waitingForSource() && Date.now() - idleSince > timeoutMs) stop('stalled');
    },
    Math.min(1000, Math.max(50, timeoutMs / 10)),
  );
  const onCancel = () => stop('cancelled');
  if (signal?.aborted) onCancel();
  signal?.addEventListener('abort', onCancel, { once: true });
  try {
    const done = upload.done();
    done.catch(() => {}); // settled after the race when stopped; its error is the one reported
    await Promise.race([done, stoppedEarly]);
  } catch (error) {
    feed.stream.destroy();
    const sourceError = feed.sourceError();
    if (sourceError !== undefined && outcome === null) throw sourceError;
    throw s3Error(error, 'upload', context, params.Key, outcome === 'stalled' ? 'timeout' : outcome);
  } finally {
    clearInterval(watchdog);
    signal?.removeEventListener('abort', onCancel);
  }
  return { key: params.Key, ...feed.digest() };
}
