import { createHash, type Hash } from 'node:crypto';
import { Transform } from 'node:stream';

/** A pass-through that counts (and optionally hashes) bytes and stops the stream past a limit. */
export interface CountingTap {
  readonly stream: Transform;
  bytes(): number;
  /** Hex SHA-256 of everything that passed; only meaningful once the stream has ended. */
  sha256(): string;
}

export interface CountingTapOptions {
  /** More bytes than this fail the stream with `tooMany(bytes)`. */
  limit: number;
  hash: boolean;
  tooMany: (bytes: number) => Error;
}

export function createCountingTap(options: CountingTapOptions): CountingTap {
  const hash: Hash | null = options.hash ? createHash('sha256') : null;
  let bytes = 0;
  let digest: string | null = null;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      // Stop as soon as the limit is crossed: a gzip bomb must not get to inflate any further.
      if (bytes > options.limit) return callback(options.tooMany(bytes));
      hash?.update(chunk);
      callback(null, chunk);
    },
  });
  return {
    stream,
    bytes: () => bytes,
    sha256() {
      digest ??= hash ? hash.digest('hex') : '';
      return digest;
    },
  };
}
