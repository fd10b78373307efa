import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** A pass-through that hashes (SHA-256) and counts the bytes flowing through it. */
export interface DigestTap {
  readonly stream: Transform;
  /** Bytes seen so far. */
  readonly bytes: number;
  /** Size and lowercase hex SHA-256 of everything that passed; call once the stream has ended. */
  digest(): { size: number; sha256: string };
}

export function createDigestTap(onBytes?: (total: number) => void): DigestTap {
  const hash = createHash('sha256');
  let size = 0;
  let sha256: string | null = null;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      onBytes?.(size);
      callback(null, chunk);
    },
  });
  return {
    stream,
    get bytes() {
      return size;
    },
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
