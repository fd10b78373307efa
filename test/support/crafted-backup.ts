import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync, createGzip } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from './bucket.js';

/** Where the CLI under test keeps its backups: an S3 bucket (test s3rver) or a folder. */
export type BackupLocation = { kind: 's3'; bucket: string } | { kind: 'folder'; dir: string };

/** A key the catalog accepts, dated in the past so it is never "latest". */
export function craftedKey(executionId: number, prefix = 'database-backups/'): string {
  return `${prefix}20200101_000000_execution_${executionId}.json.gz`;
}

export async function readObject(location: BackupLocation, key: string): Promise<Buffer> {
  if (location.kind === 'folder') return readFile(path.join(location.dir, ...key.split('/')));
  const client = s3Client();
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }));
    return Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  } finally {
    client.destroy();
  }
}

export async function writeObject(
  location: BackupLocation,
  key: string,
  body: Buffer | string,
): Promise<void> {
  if (location.kind === 'folder') {
    const file = path.join(location.dir, ...key.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, body);
    return;
  }
  const client = s3Client();
  try {
    await client.send(new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: body }));
  } finally {
    client.destroy();
  }
}

export interface Manifest {
  format_version: number;
  key: string;
  created_at: string;
  execution_id: number | null;
  taken_by: string;
  size: number;
  sha256: string;
  uncompressed_size: number;
  tables: Record<string, number>;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * Stores `object` (gzip bytes) under `key` with a manifest that matches it exactly unless
 * `overrides` say otherwise: only the corruption a test means is present.
 */
export async function storeBackup(
  location: BackupLocation,
  key: string,
  object: Buffer,
  manifest: { execution_id: number | null; tables: Record<string, number>; uncompressed_size: number },
  overrides: Partial<Manifest> = {},
): Promise<Manifest> {
  const full: Manifest = {
    format_version: 1,
    key,
    created_at: '2020-01-01T00:00:00.000Z',
    taken_by: 'backup',
    size: object.length,
    sha256: sha256(object),
    ...manifest,
    ...overrides,
  };
  await writeObject(location, key, object);
  await writeObject(location, `${key}.manifest.json`, JSON.stringify(full));
  return full;
}

/** A backup document as JSON (metadata first) from a real backup, to alter and store again. */
export interface BackupDocument {
  metadata: {
    execution_id: number | null;
    tables: Array<{
      name: string;
      columns: Array<{ name: string; type: string; not_null: boolean; has_default: boolean }>;
    }>;
    [key: string]: unknown;
  };
  tables: Record<string, Array<Record<string, unknown>>>;
}

export function parseDocument(object: Buffer): BackupDocument {
  const { __foodfleet_seed__: metadata, ...tables } = JSON.parse(
    gunzipSync(object).toString('utf8'),
  ) as Record<string, unknown>;
  return { metadata: metadata as BackupDocument['metadata'], tables: tables as BackupDocument['tables'] };
}

/**
 * The layout of the writer: the metadata on the first line, then each table's name and `[`, each
 * row on a line of its own (`{…}` first, `,{…}` after), `]`. `rowText` may rewrite a row's JSON
 * (to damage it in ways JSON.stringify cannot, e.g. a key twice).
 */
export function writerLayoutText(
  document: BackupDocument,
  rowText: (table: string, index: number, json: string) => string = (_t, _i, json) => json,
): string {
  const tables = Object.entries(document.tables).map(([name, rows]) => {
    const lines = rows.map((row, i) => `${i === 0 ? '' : ','}${rowText(name, i, JSON.stringify(row))}`);
    return `${JSON.stringify(name)}:[\n${lines.map((line) => `${line}\n`).join('')}]`;
  });
  return `{"__foodfleet_seed__":${JSON.stringify(document.metadata)},\n${tables.join(',\n')}}\n`;
}

/** Serializes with the metadata entry first, as the format requires. */
export function documentText(document: BackupDocument): string {
  const entries = [
    `"__foodfleet_seed__":${JSON.stringify(document.metadata)}`,
    ...Object.entries(document.tables).map(
      ([name, rows]) => `${JSON.stringify(name)}:${JSON.stringify(rows)}`,
    ),
  ];
  return `{${entries.join(',\n')}}\n`;
}

/** Stores `text` gzipped under `key` with a manifest that matches it (execution id and counts from the document). */
export async function storeDocumentText(
  location: BackupLocation,
  key: string,
  text: string,
  tables: Record<string, number>,
  executionId: number | null,
  overrides: Partial<Manifest> = {},
): Promise<Manifest> {
  const plain = Buffer.from(text, 'utf8');
  return storeBackup(
    location,
    key,
    gzipSync(plain),
    { execution_id: executionId, tables, uncompressed_size: plain.length },
    overrides,
  );
}

/** Stores an altered document under a new key, manifest recomputed (so the check that fires is the schema's). */
export async function storeDocument(
  location: BackupLocation,
  key: string,
  document: BackupDocument,
  overrides: Partial<Manifest> = {},
): Promise<Manifest> {
  const tables = Object.fromEntries(
    Object.entries(document.tables).map(([name, rows]) => [name, rows.length]),
  );
  return storeDocumentText(
    location,
    key,
    documentText(document),
    tables,
    document.metadata.execution_id,
    overrides,
  );
}

/** gzip of `chunks` repeated `times`: a small object that inflates to a lot. */
export async function gzipRepeated(
  head: string,
  filler: Buffer,
  times: number,
  tail: string,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  const gzip = createGzip({ level: 9 });
  gzip.on('data', (chunk: Buffer) => parts.push(chunk));
  const done = new Promise<void>((resolve, reject) => gzip.on('end', resolve).on('error', reject));
  await new Promise<void>((resolve, reject) => {
    Readable.from(
      (function* () {
        yield Buffer.from(head);
        for (let i = 0; i < times; i++) yield filler;
        yield Buffer.from(tail);
      })(),
    )
      .pipe(gzip)
      .on('finish', resolve)
      .on('error', reject);
  });
  await done;
  return Buffer.concat(parts);
}
