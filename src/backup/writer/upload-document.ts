import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { OperationError } from '../../errors.js';
import type { BackupStore } from '../store.js';
import { createDigestTap } from '../digest-tap.js';

export interface UploadOptions {
  store: BackupStore;
  key: string;
  /** gzip level 1–9: level 1 costs about half of level 6 for a few percent more bytes. */
  level: number;
  signal?: AbortSignal | undefined;
  /** Compressed bytes produced so far. */
  onBytes?: (bytes: number) => void;
}

export interface UploadOutcome {
  /** Bytes of the stored (compressed) object. */
  size: number;
  sha256: string;
  uncompressedSize: number;
}

/**
 * document → gzip → SHA-256/size tap → store, as one stream with backpressure end to end: the
 * database is read only as fast as the store accepts bytes. Whichever side fails first is the
 * reported cause; the other side is stopped, so nothing waits forever on a dead peer.
 */
export async function uploadDocument(
  document: AsyncIterable<Buffer>,
  options: UploadOptions,
): Promise<UploadOutcome> {
  const plain = createDigestTap();
  const packed = createDigestTap(options.onBytes);
  const body = new PassThrough();
  const controller = new AbortController();
  const stopOnAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', stopOnAbort, { once: true });
  let firstFailure: { error: unknown } | undefined;
  const failed = (error: unknown): never => {
    firstFailure ??= { error };
    if (!controller.signal.aborted) controller.abort(error);
    body.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  };
  try {
    const source = Readable.from(document, { objectMode: false, highWaterMark: 64 * 1024 });
    const producing = pipeline(
      source,
      plain.stream,
      createGzip({ level: options.level }),
      packed.stream,
      body,
      { signal: controller.signal },
    ).catch(failed);
    const storing = options.store
      .put(options.key, body, { contentType: 'application/gzip', signal: controller.signal })
      .catch(failed);
    const [settledProducing, settledStoring] = await Promise.allSettled([producing, storing]);
    if (firstFailure) throw firstFailure.error;
    if (settledProducing.status === 'rejected') throw settledProducing.reason;
    if (settledStoring.status === 'rejected') throw settledStoring.reason;
    const sent = packed.digest();
    const stored = settledStoring.value;
    if (stored.size !== sent.size || stored.sha256 !== sent.sha256) {
      throw new OperationError(
        'BACKUP_FAILED',
        `the store ${options.store.description} reports ${stored.size} bytes (sha256 ${stored.sha256}) for ${options.key}, ` +
          `but ${sent.size} bytes (sha256 ${sent.sha256}) were sent — the stored object is not what was written`,
      );
    }
    return { size: sent.size, sha256: sent.sha256, uncompressedSize: plain.digest().size };
  } finally {
    options.signal?.removeEventListener('abort', stopOnAbort);
  }
}
