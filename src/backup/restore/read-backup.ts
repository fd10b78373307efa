import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { metadataSchema, type BackupManifest, type BackupMetadata } from '../format.js';
import { createCountingTap } from './counting-tap.js';
import { createDocumentFeed } from './document-feed.js';
import { DocumentShapeError, DocumentWalker, type TableShape, type WalkSink } from './document-walker.js';
import { printable } from '../printable.js';
import { createJsonTokenizer } from './json-tokens.js';
import { InvalidUtf8Error, strictUtf8Decoder } from './strict-utf8.js';

/** What a backup document yields, in order: its metadata, then each table's rows in batches. */
export type BackupEvent =
  | { kind: 'metadata'; metadata: BackupMetadata }
  | { kind: 'rows'; table: string; rows: (string | null)[][]; compressedBytes: number }
  | { kind: 'table-end'; table: string; rows: number };

/** The backup object is not what its manifest promises, or not a backup at all. */
export class BackupReadError extends Error {}

export interface ReadOptions {
  /** Stop once the metadata entry is read (the check before anything is written). */
  metadataOnly?: boolean;
  /** The metadata entry must appear within this many bytes of decompressed text (any mode). */
  metadataByteLimit?: number;
}

/**
 * Streams a backup: download → size/SHA-256 tap → gunzip → byte cap → JSON tokens → row batches.
 * Nothing is held whole: rows are yielded per decompressed chunk, and the consumer's pace
 * (awaiting each event) is the backpressure that pauses the download.
 *
 * Reading to the end also verifies the object against its manifest — byte size, SHA-256,
 * decompressed size, the tables present and each one's row count — and throws before the
 * generator completes when anything differs, so a consumer that commits only after the last
 * event never commits a backup that does not match. Decompression stops as soon as it passes
 * the manifest's uncompressed size (a gzip bomb inflates no further).
 */
export async function* readBackup(
  source: Readable,
  manifest: BackupManifest,
  options: ReadOptions = {},
): AsyncGenerator<BackupEvent> {
  const compressed = createCountingTap({
    limit: manifest.size,
    hash: true,
    tooMany: (bytes) =>
      new BackupReadError(
        `the object is larger than the ${manifest.size} bytes its manifest records (read ${bytes})`,
      ),
  });
  const textLimit = options.metadataOnly
    ? Math.min(manifest.uncompressed_size, options.metadataByteLimit ?? Infinity)
    : manifest.uncompressed_size;
  const inflated = createCountingTap({
    limit: textLimit,
    hash: false,
    tooMany: () =>
      new BackupReadError(
        options.metadataOnly && textLimit < manifest.uncompressed_size
          ? `the metadata entry is not within the first ${textLimit} bytes of the document`
          : `it decompresses to more than the ${manifest.uncompressed_size} bytes its manifest records; decompression was stopped there (a corrupt or hostile file — a "gzip bomb")`,
      ),
  });
  const tail = pipeline(
    source,
    compressed.stream,
    createGunzip({ chunkSize: 64 * 1024 }),
    inflated.stream,
    () => undefined,
  );

  const pending: BackupEvent[] = [];
  const state = new ReadState(pending, () => compressed.bytes());
  const walker = new DocumentWalker(state);
  const tokenizer = createJsonTokenizer();
  const feed = createDocumentFeed(walker, tokenizer);
  // Decoded once here (the feed looks for lines); invalid UTF-8 is an error, not a silent U+FFFD.
  const decoder = strictUtf8Decoder();
  try {
    for await (const chunk of tail) {
      feed.write(decoder.decode(chunk as Buffer));
      state.flushRows();
      if (!state.parsedMetadata && inflated.bytes() > (options.metadataByteLimit ?? Infinity)) {
        throw new BackupReadError(
          `the metadata entry is not within the first ${options.metadataByteLimit} bytes of the document`,
        );
      }
      yield* pending.splice(0);
      if (options.metadataOnly && state.parsedMetadata) return;
    }
    decoder.end();
    feed.end();
    for (const token of tokenizer.end()) walker.push(token);
  } catch (error) {
    throw describeReadError(error);
  } finally {
    tail.destroy();
  }
  if (options.metadataOnly) throw new BackupReadError(`the document has no metadata entry`);
  if (!walker.done) throw new BackupReadError('the JSON document ends early (truncated)');
  yield* pending.splice(0);
  verifyAgainstManifest(manifest, state, {
    size: compressed.bytes(),
    sha256: compressed.sha256(),
    uncompressed: inflated.bytes(),
  });
}

/** Collects the walker's callbacks into batches of events. */
class ReadState implements WalkSink {
  parsedMetadata: BackupMetadata | null = null;
  readonly counts = new Map<string, number>();
  #shapes = new Map<string, TableShape>();
  #table = '';
  #rows: (string | null)[][] = [];
  readonly #pending: BackupEvent[];
  readonly #compressedBytes: () => number;

  constructor(pending: BackupEvent[], compressedBytes: () => number) {
    this.#pending = pending;
    this.#compressedBytes = compressedBytes;
  }

  metadata(value: unknown): void {
    const parsed = metadataSchema.safeParse(value);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 5)
        .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
      throw new BackupReadError(`its metadata entry is not valid (${problems.join('; ')})`);
    }
    this.parsedMetadata = parsed.data;
    for (const table of parsed.data.tables) {
      if (this.#shapes.has(table.name))
        throw new BackupReadError(`its metadata declares table "${printable(table.name)}" twice`);
      const columnIndex = new Map<string, number>();
      for (const column of table.columns) {
        if (columnIndex.has(column.name))
          throw new BackupReadError(
            `its metadata declares column "${printable(column.name)}" of table "${printable(table.name)}" twice`,
          );
        columnIndex.set(column.name, columnIndex.size);
      }
      this.#shapes.set(table.name, { columnIndex });
    }
    this.#pending.push({ kind: 'metadata', metadata: parsed.data });
  }

  tableStart(name: string): TableShape {
    const shape = this.#shapes.get(name);
    if (!shape)
      throw new BackupReadError(`it holds table "${printable(name)}", which its metadata does not declare`);
    this.#table = name;
    this.counts.set(name, 0);
    return shape;
  }

  row(values: (string | null)[]): void {
    this.#rows.push(values);
  }

  tableEnd(): void {
    this.flushRows();
    this.#pending.push({ kind: 'table-end', table: this.#table, rows: this.counts.get(this.#table) ?? 0 });
  }

  flushRows(): void {
    if (this.#rows.length === 0) return;
    this.counts.set(this.#table, (this.counts.get(this.#table) ?? 0) + this.#rows.length);
    this.#pending.push({
      kind: 'rows',
      table: this.#table,
      rows: this.#rows,
      compressedBytes: this.#compressedBytes(),
    });
    this.#rows = [];
  }
}

function verifyAgainstManifest(
  manifest: BackupManifest,
  state: ReadState,
  actual: { size: number; sha256: string; uncompressed: number },
): void {
  if (actual.size !== manifest.size)
    throw new BackupReadError(`it is ${actual.size} bytes but its manifest records ${manifest.size}`);
  if (actual.sha256 !== manifest.sha256)
    throw new BackupReadError(
      `its SHA-256 is ${actual.sha256} but its manifest records ${manifest.sha256} (the object was altered or damaged)`,
    );
  if (actual.uncompressed !== manifest.uncompressed_size) {
    throw new BackupReadError(
      `it decompresses to ${actual.uncompressed} bytes but its manifest records ${manifest.uncompressed_size}`,
    );
  }
  const declared = state.parsedMetadata?.tables.map((t) => t.name) ?? [];
  for (const name of declared)
    if (!state.counts.has(name))
      throw new BackupReadError(
        `its metadata declares table "${printable(name)}" but the document holds no rows entry for it`,
      );
  for (const [name, rows] of state.counts) {
    const expected = manifest.tables[name];
    if (expected === undefined)
      throw new BackupReadError(`it holds table "${printable(name)}", which its manifest does not list`);
    if (expected !== rows)
      throw new BackupReadError(
        `table "${printable(name)}" holds ${rows} rows but the manifest records ${expected}`,
      );
  }
  for (const name of Object.keys(manifest.tables))
    if (!state.counts.has(name))
      throw new BackupReadError(
        `its manifest lists table "${printable(name)}", which the document does not hold`,
      );
}

/** One line saying what is wrong with the file, whatever layer noticed. */
function describeReadError(error: unknown): Error {
  if (error instanceof BackupReadError) return error;
  if (error instanceof DocumentShapeError)
    return new BackupReadError(`it is not in the backup format: ${error.message}`);
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message ?? String(error);
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(message))
    return new BackupReadError('the gzip stream ends early (the file is truncated)');
  if (typeof code === 'string' && code.startsWith('Z_'))
    return new BackupReadError(`it is not valid gzip data (${message})`);
  if (error instanceof InvalidUtf8Error) return new BackupReadError('its text is not valid UTF-8');
  if (/^Parser /.test(message) || error instanceof SyntaxError)
    return new BackupReadError(`it is not valid JSON (${message})`);
  return error as Error;
}
