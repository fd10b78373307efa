import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * The stream handed to the uploader. It hashes and counts what it passes on, and knows whether the
 * uploader is waiting for the producer (the database): a pause then is not the store's fault, so
 * the stall watchdog (s3-upload.ts) only counts time while the feed has data the uploader is not taking.
 */
export interface UploadFeed {
  readonly stream: Readable;
  /** True while a read is pending on the producer. */
  waitingForSource(): boolean;
  /** When data last moved (ms since epoch). */
  lastActivity(): number;
  /** The producer's own error, if it failed: reported unchanged, it is not a store problem. */
  sourceError(): unknown;
  /** Byte count and lowercase hex SHA-256 of everything passed on (final once the stream ended). */
  digest(): { size: number; sha256: string };
}

export function createUploadFeed(source: Readable): UploadFeed {
  const iterator = source[Symbol.asyncIterator]();
  const hash = createHash('sha256');
  let size = 0;
  let sha256: string | null = null;
  let waiting = false;
  let lastActivity = Date.now();
  let failure: unknown;

  const stream = new Readable({
    read() {
      waiting = true;
      lastActivity = Date.now();
      iterator.next().then(
        ({ done, value }) => {
          waiting = false;
          lastActivity = Date.now();
          if (done) {
            this.push(null);
            return;
          }
          const chunk = Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array | string);
          hash.update(chunk);
          size += chunk.length;
          this.push(chunk);
        },
        (error: unknown) => {
          waiting = false;
          failure ??= error;
          this.destroy(error as Error);
        },
      );
    },
    destroy(error, callback) {
      if (!source.destroyed) source.destroy();
      callback(error);
    },
  });

  return {
    stream,
    waitingForSource: () => waiting,
    lastActivity: () => lastActivity,
    sourceError: () => failure,
    digest() {
      sha256 ??= hash.digest('hex');
      return { size, sha256 };
    },
  };
}
