import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** A pass-through that hashes and counts what flows through it, so no store reads a file twice. */
export interface DigestTap {
  readonly stream: Transform;
  /** Byte count and lowercase hex SHA-256 of everything that passed (final once the stream ended). */
  digest(): { size: number; sha256: string };
}

export function createDigestTap(): DigestTap {
  const hash = createHash('sha256');
  let size = 0;
  let sha256: string | null = null;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  return {
    stream,
    digest() {
      sha256 ??= hash.digest('hex');
      return { size, sha256 };
    },
  };
}

/** SHA-256 (hex) of a whole buffer. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
