import type { Readable } from 'node:stream';

/** One stored backup object as listed by a store. */
export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

/** What a completed upload reports, checked by reading back (or the store's own checksum). */
export interface PutResult {
  key: string;
  size: number;
  sha256: string;
}

/**
 * Where backups live: S3 (or an S3-compatible store) or a local folder. Small on purpose; each
 * implementation is one file, loaded only when chosen.
 */
export interface BackupStore {
  /** Human description for messages, e.g. `s3://bucket/prefix` or a folder path. */
  readonly description: string;
  /**
   * The key prefix backups go under (`backup.s3.prefix` on S3, `backup.prefix` in a folder), e.g.
   * `database-backups/`; keys passed to the other members are full keys that include it.
   */
  readonly prefix: string;
  /**
   * A download may be paused for minutes and resumed (a local file). A remote store's server may
   * drop a paused download, so callers that pause long read the object again instead.
   */
  readonly holdsReadsOpen: boolean;
  /** Streams `body` to `key`; resolves once the object is whole and verified. */
  put(
    key: string,
    body: Readable,
    options?: { contentType?: string; signal?: AbortSignal },
  ): Promise<PutResult>;
  /** Writes a small object (a manifest) whole. */
  putSmall(key: string, body: string | Buffer): Promise<void>;
  /** Streams an object; rejects with a clear error when it does not exist. */
  get(key: string, options?: { signal?: AbortSignal }): Promise<Readable>;
  /** The object's size and time, or null when it does not exist (one request, no listing). */
  head(key: string): Promise<StoredObject | null>;
  /** Reads a small object whole, or null when missing. */
  getSmall(key: string): Promise<Buffer | null>;
  /** Every object under `prefix` (all pages). */
  list(prefix: string): Promise<StoredObject[]>;
  delete(keys: readonly string[]): Promise<void>;
}
