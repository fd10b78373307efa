import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { PassThrough, Transform, Writable, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { jsonParser, type Token } from 'stream-json/parser.js';
import { CancelledError, OperationError, SeedError } from '../../errors.js';
import type { CatalogItem } from '../catalog.js';
import type { BackupStore } from '../store.js';
import { DocumentChecker, DocumentProblem, type CheckedDocument } from './check-document.js';

export interface VerifyReport {
  key: string;
  size: number;
  sha256: string;
  uncompressed_size: number;
  created_at: string;
  execution_id: number | null;
  taken_by: string;
  tables: Record<string, number>;
}

/**
 * Downloads a backup and checks it against its manifest — size, SHA-256, gzip, JSON shape,
 * metadata, row counts — in one streaming pass, without touching the database. Decompression
 * stops as soon as it passes the manifest's uncompressed size (a gzip bomb costs nothing).
 * Throws BACKUP_INVALID with a one-line reason.
 */
export async function verifyBackup(
  store: BackupStore,
  item: CatalogItem,
  options: { signal?: AbortSignal } = {},
): Promise<VerifyReport> {
  const { manifest } = item;
  const fail = (reason: string): OperationError =>
    new OperationError(
      'BACKUP_INVALID',
      `Backup ${item.key} failed verification: ${reason}. The database was not touched. ` +
        'Do not restore it: pick another backup (foodfleet-seed backups) or take a new one (foodfleet-seed backup).',
    );
  const raw = await store.get(item.key, options.signal ? { signal: options.signal } : {});
  let read: ReadOutcome;
  try {
    read = await readAndCheck(raw, manifest.size, manifest.uncompressed_size);
  } catch (error) {
    if (options.signal?.aborted) throw new CancelledError('Verification cancelled. Nothing was changed.');
    if (error instanceof SeedError) throw error;
    throw new OperationError(
      'STORE_UNAVAILABLE',
      `Could not download backup ${item.key} from ${store.description}: ${(error as Error).message}. Nothing was changed. Check the store and retry.`,
      { cause: error },
    );
  }
  if (read.oversized) throw fail(`the object is larger than the ${manifest.size} bytes its manifest records`);
  if (read.size !== manifest.size)
    throw fail(
      `the object holds ${read.size} bytes but its manifest records ${manifest.size} (truncated or replaced)`,
    );
  if (read.sha256 !== manifest.sha256)
    throw fail(
      `its SHA-256 is ${read.sha256} but the manifest records ${manifest.sha256} (the object is corrupted or was replaced)`,
    );
  if (read.problem) throw fail(read.problem);
  const document = read.document as CheckedDocument;
  if (read.uncompressed !== manifest.uncompressed_size) {
    throw fail(
      `it decompresses to ${read.uncompressed} bytes but the manifest records ${manifest.uncompressed_size}`,
    );
  }
  if (document.metadata.execution_id !== manifest.execution_id) {
    throw fail(
      `its metadata names execution ${document.metadata.execution_id} but the manifest names ${manifest.execution_id}`,
    );
  }
  const counted = Object.keys(document.tables);
  for (const table of new Set([...counted, ...Object.keys(manifest.tables)])) {
    const found = document.tables[table];
    const expected = manifest.tables[table];
    if (found === undefined || expected === undefined)
      throw fail(`table "${table}" is in the ${found === undefined ? 'manifest' : 'document'} only`);
    if (found !== expected)
      throw fail(`table "${table}" holds ${found} rows but the manifest records ${expected}`);
  }
  return {
    key: item.key,
    size: read.size,
    sha256: read.sha256,
    uncompressed_size: read.uncompressed,
    created_at: manifest.created_at,
    execution_id: manifest.execution_id,
    taken_by: manifest.taken_by,
    tables: document.tables,
  };
}

interface ReadOutcome {
  size: number;
  sha256: string;
  oversized: boolean;
  uncompressed: number;
  document: CheckedDocument | null;
  /** Why decoding failed (gzip, JSON or format), one line. */
  problem: string | null;
}

/**
 * Hashes every downloaded byte while feeding a decoder (gunzip → size limit → JSON tokens →
 * format check). When decoding fails the download still runs to its end, so a corrupted object
 * is reported as a checksum mismatch (the cause) rather than whatever the decoder tripped on.
 */
async function readAndCheck(
  raw: Readable,
  expectedSize: number,
  uncompressedLimit: number,
): Promise<ReadOutcome> {
  const hash = createHash('sha256');
  let size = 0;
  let uncompressed = 0;
  const feed = new PassThrough();
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      uncompressed += chunk.length;
      if (uncompressed > uncompressedLimit) callback(new LimitExceeded(uncompressedLimit));
      else callback(null, chunk);
    },
  });
  let document: CheckedDocument | null = null;
  const checker = new DocumentChecker();
  const decoding = pipeline(feed, createGunzip(), limit, tokenizingSink(checker))
    .then(
      () => {
        document = checker.finish();
        return null;
      },
      (error: unknown) => {
        feed.destroy();
        return decodeProblem(error);
      },
    )
    .catch((error: unknown) => decodeProblem(error));
  let problem: string | null = null;
  void decoding.then((p) => (problem ??= p));
  let oversized = false;
  let downloaded = false;
  try {
    for await (const chunk of raw as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      if (size > expectedSize) {
        oversized = true;
        break;
      }
      if (problem === null && !feed.destroyed && !feed.write(chunk)) {
        await Promise.race([once(feed, 'drain').catch(() => undefined), decoding]);
      }
    }
    downloaded = true;
  } finally {
    // A download that failed or overran must not look like a document that ended there.
    if (oversized || !downloaded || feed.destroyed) feed.destroy();
    else feed.end();
  }
  problem = await decoding;
  return {
    size,
    sha256: hash.digest('hex'),
    oversized,
    uncompressed,
    document,
    problem: oversized ? null : problem,
  };
}

/** stream-chain's "no value" marker, which also tells the tokenizer the input has ended. */
const NONE = Symbol.for('object-stream.none');
type Tokenizer = (input: string | symbol) => { values: Token[] } | symbol;

/**
 * Feeds text to stream-json's tokenizer and its tokens straight to the checker, synchronously:
 * an object-mode stream per token would cost more than the parsing itself.
 */
function tokenizingSink(checker: DocumentChecker): Writable {
  const tokenize = jsonParser({ streamValues: false }) as unknown as Tokenizer;
  const decoder = new StringDecoder('utf8');
  const feed = (input: string | symbol): void => {
    if (input === '') return;
    const out = tokenize(input);
    if (typeof out !== 'symbol') for (const token of out.values) checker.push(token);
  };
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      try {
        feed(decoder.write(chunk));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    final(callback) {
      try {
        feed(decoder.end());
        feed(NONE);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

class LimitExceeded extends Error {
  constructor(limit: number) {
    super(`it decompresses past the ${limit} bytes its manifest records (decompression stopped there)`);
  }
}

function decodeProblem(error: unknown): string {
  if (error instanceof LimitExceeded) return error.message;
  const message = ((error as Error)?.message ?? String(error)).split('\n')[0] ?? '';
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  if (
    code.startsWith('Z_') ||
    /unexpected end of file|incorrect header|invalid (block|stored|distance|code)/i.test(message)
  ) {
    return `it is not a valid gzip stream (${message})`;
  }
  if (error instanceof DocumentProblem) return message;
  return `it is not well-formed JSON (${message})`;
}
