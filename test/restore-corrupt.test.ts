import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import {
  createBucket,
  freshDatabase,
  runCli,
  tempDir,
  type CliResult,
  type FreshDatabase,
} from './support/index.js';
import { canonicalDump, type CanonicalDump } from './support/canonical-dump.js';
import {
  craftedKey,
  documentText,
  gzipRepeated,
  parseDocument,
  readObject,
  storeBackup,
  storeDocument,
  storeDocumentText,
  writeObject,
  writerLayoutText,
  type BackupDocument,
  type BackupLocation,
} from './support/crafted-backup.js';
import type { FailureDocument } from './support/documents.js';

/**
 * The corrupted-backup corpus: each damaged or hostile backup is refused with a clear one-line
 * error and a non-zero exit, and the database is exactly as before (canonical dumps compared:
 * rows, sequences, foreign keys, trigger states).
 */

interface Failure {
  result: CliResult;
  document: FailureDocument;
}

/** The failure as the operator sees it: exit code, one `Error:` line on stderr, one JSON document. */
function expectOneLineFailure(result: CliResult): FailureDocument {
  expect(result.code, result.stderr).not.toBe(0);
  const document = result.json<FailureDocument>();
  expect(document.success).toBe(false);
  expect(document.error.message).not.toMatch(/\n/);
  const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('Error: '));
  expect(errorLines).toHaveLength(1);
  return document;
}

const HOSTILE = 'users"; DROP TABLE roles; --';

describe('corrupted backups on PostgreSQL + S3 (s3rver)', () => {
  let db: FreshDatabase;
  let env: Record<string, string>;
  let location: BackupLocation;
  let realKey: string;
  let realObject: Buffer;
  let realPlainSize: number;
  let before: CanonicalDump;
  let next = 900_000;

  const dump = () => canonicalDump((sql, params) => db.query(sql, params));
  const restore = async (key: string): Promise<Failure> => {
    const result = await runCli(['restore', '--key', key, '--yes', '--json'], { env });
    return { result, document: expectOneLineFailure(result) };
  };
  /** A fresh document copied from the real backup, to damage. */
  const realDocument = (): BackupDocument => parseDocument(realObject);

  beforeAll(async () => {
    db = await freshDatabase('restore-corrupt');
    const bucket = await createBucket('restore-corrupt');
    env = { DATABASE_URL: db.url, ...bucket.env };
    location = { kind: 's3', bucket: bucket.name };
    const seeded = await runCli(['run', '--no-backup', '--json'], { env });
    expect(seeded.code, seeded.stderr).toBe(0);
    const backup = await runCli(['backup', '--json'], { env });
    expect(backup.code, backup.stderr).toBe(0);
    realKey = backup.json<{ key: string }>().key;
    realObject = await readObject(location, realKey);
    realPlainSize = gunzipSync(realObject).length;
    // Changes after the backup: a restore that went through would undo them, so any leak shows.
    await db.query(`update roles set description = 'changed after the backup' where name = 'customer'`);
    await db.query(`insert into sms_templates (name, body) values ('after_backup', 'x')`);
    before = await dump();
  });

  afterAll(async () => {
    await db?.close();
  });

  it('refuses a truncated gzip stream', async () => {
    const key = craftedKey(next++);
    const doc = realDocument();
    // Manifest recomputed for the cut object, so the gzip layer itself must notice.
    await storeBackup(location, key, realObject.subarray(0, Math.floor(realObject.length / 2)), {
      execution_id: doc.metadata.execution_id,
      tables: counts(doc),
      uncompressed_size: realPlainSize,
    });
    const { document } = await restore(key);
    expect(document.error.code).toBe('BACKUP_INVALID');
    expect(document.error.message).toMatch(/truncated|ends early/);
    expect(await dump()).toEqual(before);
  });

  it('refuses an object with one flipped byte', async () => {
    const key = craftedKey(next++);
    const damaged = Buffer.from(realObject);
    const at = Math.floor(damaged.length / 2);
    damaged[at] = (damaged[at] as number) ^ 0xff;
    // The original manifest (only the key moved): the object no longer matches it.
    const manifest = JSON.parse(
      (await readObject(location, `${realKey}.manifest.json`)).toString('utf8'),
    ) as Record<string, unknown>;
    await writeObject(location, key, damaged);
    await writeObject(location, `${key}.manifest.json`, JSON.stringify({ ...manifest, key }));
    const { document } = await restore(key);
    expect(['BACKUP_INVALID', 'RESTORE_FAILED']).toContain(document.error.code);
    expect(document.error.message).toMatch(/rolled back|Nothing was changed/);
    expect(await dump()).toEqual(before);
  });

  it('refuses an object whose SHA-256 differs from its manifest (checked before COMMIT)', async () => {
    const key = craftedKey(next++);
    const doc = realDocument();
    await storeBackup(
      location,
      key,
      realObject,
      { execution_id: doc.metadata.execution_id, tables: counts(doc), uncompressed_size: realPlainSize },
      { sha256: '0'.repeat(64) },
    );
    const { document } = await restore(key);
    expect(document.error.code).toBe('BACKUP_INVALID');
    expect(document.error.message).toMatch(/SHA-256/);
    expect(document.error.message).toMatch(/rolled back/);
    expect(await dump()).toEqual(before);
  });

  it('refuses invalid JSON', async () => {
    const key = craftedKey(next++);
    const doc = realDocument();
    const text = documentText(doc).replace('"roles":[{', '"roles":[{,,');
    await storeDocumentText(location, key, text, counts(doc), doc.metadata.execution_id);
    const { document } = await restore(key);
    expect(document.error.code).toBe('BACKUP_INVALID');
    expect(document.error.message).toMatch(/not valid JSON/);
    expect(await dump()).toEqual(before);
  });

  it('refuses a document without its metadata entry', async () => {
    const key = craftedKey(next++);
    const doc = realDocument();
    const text = `{${Object.entries(doc.tables)
      .map(([name, rows]) => `${JSON.stringify(name)}:${JSON.stringify(rows)}`)
      .join(',')}}`;
    await storeDocumentText(location, key, text, counts(doc), doc.metadata.execution_id);
    const { document } = await restore(key);
    expect(document.error.code).toBe('BACKUP_INVALID');
    expect(document.error.message).toMatch(/metadata/);
    expect(await dump()).toEqual(before);
  });

  it('refuses wrong metadata (unknown format version, missing fields)', async () => {
    for (const metadata of [{ format_version: 99 }, { tables: 'all of them' }]) {
      const key = craftedKey(next++);
      const doc = realDocument();
      doc.metadata = { ...doc.metadata, ...metadata } as BackupDocument['metadata'];
      await storeDocument(location, key, doc);
      const { document } = await restore(key);
      expect(document.error.code).toBe('BACKUP_INVALID');
      expect(document.error.message).toMatch(/metadata entry is not valid/);
    }
    expect(await dump()).toEqual(before);
  });

  it('refuses an unknown table, naming it', async () => {
    const key = craftedKey(next++);
    const doc = realDocument();
    doc.metadata.tables.push({
      name: 'ghosts',
      columns: [{ name: 'id', type: 'integer', not_null: true, has_default: false }],
    });
    doc.tables.ghosts = [{ id: '1' }];
    await storeDocument(location, key, doc);
    const { document } = await restore(key);
    expect(document.error.code).toBe('BACKUP_INVALID');
    expect(document.error.message).toMatch(/table "ghosts" does not exist/);
    expect(document.error.message).toMatch(/Nothing was changed/);
    expect(await dump()).toEqual(before);
  });

  it('refuses an unknown column, naming it', async () => {
    const key = craftedKey(next++);
    const doc = realDocument();
    doc.metadata.tables
      .find((t) => t.name === 'users')
      ?.columns.push({ name: 'nickname', type: 'text', not_null: false, has_default: false });
    for (const row of doc.tables.users ?? []) row.nickname = 'bob';
    await storeDocument(location, key, doc);
    const { document } = await restore(key);
    expect(document.error.code).toBe('BACKUP_INVALID');
    expect(document.error.message).toMatch(/column "users"\."nickname" does not exist/);
    expect(await dump()).toEqual(before);
  });

  it('refuses a value of the wrong type ("abc" for an integer) inside the transaction and rolls back', async () => {
    const key = craftedKey(next++);
    const doc = realDocument();
    const roles = doc.tables.roles ?? [];
    (roles[roles.length - 1] as Record<string, unknown>).id = 'abc';
    await storeDocument(location, key, doc);
    const { document } = await restore(key);
    expect(document.error.code).toBe('RESTORE_FAILED');
    // Located by table, row and column; the value itself is row content and stays out of the message.
    expect(document.error.message).toMatch(
      /invalid input syntax for type integer \(row \d+ of the data copied into roles, column id\)/,
    );
    expect(document.error.message).not.toContain('abc');
    expect(document.error.message).toMatch(/rolled back: the database is exactly as it was before/);
    expect(await dump()).toEqual(before);
  });

  it('refuses a JSON number where PostgreSQL text belongs', async () => {
    const key = craftedKey(next++);
    const doc = realDocument();
    (doc.tables.roles?.[0] as Record<string, unknown>).id = 1;
    await storeDocument(location, key, doc);
    const { document } = await restore(key);
    expect(document.error.code).toBe('BACKUP_INVALID');
    expect(document.error.message).toMatch(
      /values must be PostgreSQL text in a JSON string or null, found the number 1/,
    );
    expect(await dump()).toEqual(before);
  });

  // The writer puts each row on a line of its own, and restore parses such a line whole; every
  // other layout (here: a table's rows on one line) goes token by token. A damaged row must be
  // refused with the same message either way.
  it.each([
    ['a JSON number where text belongs', (json: string) => json.replace(/"id":"\d+"/, '"id":1')],
    ['a column twice', (json: string) => json.replace(/^\{/, '{"name":"again",')],
    ['a column the metadata does not declare', (json: string) => json.replace(/^\{/, '{"extra":"x",')],
    ['a missing column', (json: string) => json.replace(/"name":"[^"]*",/, '')],
    ['a row that is not an object', () => '"not a row"'],
    ['a row cut short', (json: string) => json.slice(0, -1)],
    ['a missing comma before the row', null],
  ])('refuses %s with the same message whatever the layout', async (_what, damage) => {
    const doc = realDocument();
    const third = (table: string, index: number, json: string) =>
      table === 'roles' && index === 2 && damage ? damage(json) : json;
    const rows = doc.tables.roles!.map((row, i) => third('roles', i, JSON.stringify(row)));
    const oneLine = documentText(doc).replace(
      /"roles":\[.*\]/,
      () =>
        `"roles":[${rows.map((row, i) => (i === 0 ? '' : i === 2 && !damage ? ' ' : ',') + row).join('')}]`,
    );
    let writer = writerLayoutText(doc, third);
    if (!damage) writer = writer.replace(`\n,${rows[2]}\n`, `\n${rows[2]}\n`);
    const messages: string[] = [];
    for (const text of [writer, oneLine]) {
      const key = craftedKey(next++);
      await storeDocumentText(location, key, text, counts(doc), doc.metadata.execution_id);
      const { document } = await restore(key);
      expect(document.error.code).toBe('BACKUP_INVALID');
      messages.push(document.error.message.replaceAll(key, 'KEY'));
    }
    expect(messages[0]).toBe(messages[1]);
    expect(await dump()).toEqual(before);
  });

  it('never splices hostile identifiers into SQL: table, column and sequence names', async () => {
    const tableKey = craftedKey(next++);
    const doc = realDocument();
    doc.metadata.tables.push({
      name: HOSTILE,
      columns: [{ name: 'id', type: 'integer', not_null: true, has_default: false }],
    });
    doc.tables[HOSTILE] = [{ id: '1' }];
    await storeDocument(location, tableKey, doc);
    const table = await restore(tableKey);
    expect(table.document.error.message).toContain(`table "${HOSTILE}" does not exist`);

    const columnKey = craftedKey(next++);
    const doc2 = realDocument();
    doc2.metadata.tables
      .find((t) => t.name === 'roles')
      ?.columns.push({
        name: `id"; DROP TABLE roles; --`,
        type: 'integer',
        not_null: false,
        has_default: false,
      });
    for (const row of doc2.tables.roles ?? []) row[`id"; DROP TABLE roles; --`] = null;
    await storeDocument(location, columnKey, doc2);
    const column = await restore(columnKey);
    expect(column.document.error.message).toContain('does not exist in the live table');

    const sequenceKey = craftedKey(next++);
    const doc3 = realDocument();
    (doc3.metadata.sequences as unknown[]).push({
      name: `public.x; DROP TABLE roles; --`,
      table: null,
      column: null,
      last_value: '1',
      is_called: true,
    });
    await storeDocument(location, sequenceKey, doc3);
    const sequence = await restore(sequenceKey);
    expect(sequence.document.error.message).toContain('does not exist in the live schema');

    const [roles] = await db.query<{ present: boolean }>(
      `select to_regclass('public.roles') is not null as present`,
    );
    expect(roles?.present).toBe(true);
    expect(await dump()).toEqual(before);
  });

  it('stops a gzip bomb at the uncompressed size its manifest records', async () => {
    const key = craftedKey(next++);
    const doc = realDocument();
    const head = `{"__foodfleet_seed__":${JSON.stringify(doc.metadata)},"roles":[`;
    // 512 MiB of JSON whitespace behind a valid start: a few hundred KiB of gzip.
    const object = await gzipRepeated(head, Buffer.alloc(1024 * 1024, 0x20), 512, ']}');
    await storeBackup(location, key, object, {
      execution_id: doc.metadata.execution_id,
      tables: counts(doc),
      uncompressed_size: head.length + 64 * 1024,
    });
    const started = Date.now();
    const { document } = await restore(key);
    expect(document.error.code).toBe('BACKUP_INVALID');
    expect(document.error.message).toMatch(
      /decompresses to more than the \d+ bytes its manifest records; decompression was stopped/,
    );
    // Inflating 512 MiB would take far longer than stopping at the cap does.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await dump()).toEqual(before);
  });

  it('refuses a table whose row count differs from the manifest', async () => {
    const key = craftedKey(next++);
    const doc = realDocument();
    await storeDocument(location, key, doc, { tables: { ...counts(doc), roles: 99 } });
    const { document } = await restore(key);
    expect(document.error.code).toBe('BACKUP_INVALID');
    expect(document.error.message).toMatch(/table "roles" holds \d+ rows but the manifest records 99/);
    expect(await dump()).toEqual(before);
  });

  it('refuses a backup without a manifest (incomplete upload)', async () => {
    const key = craftedKey(next++);
    await writeObject(location, key, realObject);
    const { document } = await restore(key);
    expect(document.error.code).toBe('BACKUP_INVALID');
    expect(document.error.message).toMatch(/no manifest/);
    expect(await dump()).toEqual(before);
  });

  // Last in this block: it leaves the database at the backup's state, not at `before`.
  it('refuses text that is not UTF-8 (a stray byte, a cut character) inside a row value', async () => {
    for (const bad of [Buffer.from([0xff]), Buffer.from([0xe2, 0x82])]) {
      const key = craftedKey(next++);
      const doc = realDocument();
      const row = doc.tables.sms_templates?.[0] as Record<string, unknown>;
      row.body = 'before@@BAD@@after';
      const [head, tail] = writerLayoutText(doc).split('@@BAD@@') as [string, string];
      const plain = Buffer.concat([Buffer.from(head), bad, Buffer.from(tail)]);
      await storeBackup(location, key, gzipSync(plain), {
        execution_id: doc.metadata.execution_id,
        tables: counts(doc),
        uncompressed_size: plain.length,
      });
      const { document } = await restore(key);
      expect(document.error.code).toBe('BACKUP_INVALID');
      expect(document.error.message).toMatch(/not valid UTF-8/);
      expect(await dump()).toEqual(before);
    }
  });

  it('restores a crafted backup in the writer’s layout exactly as the backup itself (rows parsed whole)', async () => {
    const key = craftedKey(next++);
    const doc = realDocument();
    await storeDocumentText(location, key, writerLayoutText(doc), counts(doc), doc.metadata.execution_id);
    const crafted = await runCli(['restore', '--key', key, '--yes', '--no-backup', '--json'], { env });
    expect(crafted.code, crafted.stderr).toBe(0);
    const fromCrafted = await dump();
    expect(fromCrafted).not.toEqual(before);
    const real = await runCli(['restore', '--key', realKey, '--yes', '--no-backup', '--json'], { env });
    expect(real.code, real.stderr).toBe(0);
    expect(await dump()).toEqual(fromCrafted);
  });
  it('restores 2-, 3- and 4-byte characters exactly where the decompressed chunks cut them', async () => {
    const key = craftedKey(next++);
    const doc = realDocument();
    // 9 bytes a round: the 16 KiB chunks of the gunzip stream end inside characters again and again.
    const body = 'é€😀'.repeat(30_000);
    const row = doc.tables.sms_templates?.[0] as Record<string, unknown>;
    row.body = body;
    await storeDocumentText(location, key, writerLayoutText(doc), counts(doc), doc.metadata.execution_id);
    const restored = await runCli(['restore', '--key', key, '--yes', '--no-backup', '--json'], { env });
    expect(restored.code, restored.stderr).toBe(0);
    const [stored] = await db.query<{ body: string }>('select body from sms_templates where name = $1', [
      row.name,
    ]);
    expect(stored?.body === body).toBe(true);
  });
});

describe('corrupted backups on the embedded database + local folder', () => {
  let cwd: string;
  let location: BackupLocation;
  let realObject: Buffer;
  let before: CanonicalDump;
  let next = 950_000;

  /** Opens the embedded data directory (the CLI is not running), dumps it, closes it. */
  const dump = async (): Promise<CanonicalDump> => {
    const pglite = await PGlite.create(path.join(cwd, '.foodfleet-seed', 'db'));
    try {
      return await canonicalDump(
        async (sql, params) => (await pglite.query<Record<string, unknown>>(sql, params)).rows,
      );
    } finally {
      await pglite.close();
    }
  };
  const cli = (args: string[]) => runCli(args, { cwd });

  beforeAll(async () => {
    cwd = tempDir('foodfleet-corrupt-embedded-');
    location = { kind: 'folder', dir: path.join(cwd, '.foodfleet-seed', 'backups') };
    expect((await cli(['run', '--no-backup', '--json'])).code).toBe(0);
    const backup = await cli(['backup', '--json']);
    expect(backup.code, backup.stderr).toBe(0);
    realObject = await readObject(location, backup.json<{ key: string }>().key);
    // A change after the backup: a restore that went through would undo it.
    const pglite = await PGlite.create(path.join(cwd, '.foodfleet-seed', 'db'));
    await pglite.exec(`update roles set description = 'changed after the backup' where name = 'customer'`);
    await pglite.close();
    before = await dump();
  });

  it('rolls back a value of the wrong type in the last table loaded', async () => {
    const key = craftedKey(next++);
    const doc = parseDocument(realObject);
    const names = Object.keys(doc.tables);
    const last = doc.tables[names[names.length - 1] as string] ?? [];
    expect(last.length).toBeGreaterThan(0);
    (last[last.length - 1] as Record<string, unknown>).id = 'abc';
    await storeDocument(location, key, doc);
    const result = await cli(['restore', '--key', key, '--yes', '--json']);
    const document = expectOneLineFailure(result);
    expect(document.error.code).toBe('RESTORE_FAILED');
    // Located by table, row and column; the value itself is row content and stays out of the message.
    expect(document.error.message).toMatch(
      /invalid input syntax for type integer \(row \d+ of the data copied into \w+, column id\)/,
    );
    expect(document.error.message).not.toContain('abc');
    expect(await dump()).toEqual(before);
  });

  it('refuses a truncated object', async () => {
    const key = craftedKey(next++);
    const doc = parseDocument(realObject);
    await storeBackup(location, key, realObject.subarray(0, realObject.length - 20), {
      execution_id: doc.metadata.execution_id,
      tables: counts(doc),
      uncompressed_size: gunzipSync(realObject).length,
    });
    const result = await cli(['restore', '--key', key, '--yes', '--json']);
    const document = expectOneLineFailure(result);
    expect(document.error.code).toBe('BACKUP_INVALID');
    expect(await dump()).toEqual(before);
  });
});

function counts(doc: BackupDocument): Record<string, number> {
  return Object.fromEntries(Object.entries(doc.tables).map(([name, rows]) => [name, rows.length]));
}
