import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { REPO_ROOT } from './cli.js';

/**
 * The public Pagila sample database (see its README): 22 tables, FKs, a partitioned table, enums,
 * domains, … Kept in the repository so a fresh clone tests on its own; the data file is gzipped.
 */
const PAGILA_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'pagila');

/** The data file, cut into plain SQL and COPY blocks (`COPY … FROM stdin;` … `\.`). */
type DataStep = { kind: 'sql'; text: string } | { kind: 'copy'; statement: string; data: string };

async function pagilaFiles(): Promise<{ schema: string; steps: DataStep[] }> {
  const [schema, gzippedData] = await Promise.all([
    readFile(path.join(PAGILA_DIR, 'pagila-schema.sql'), 'utf8'),
    readFile(path.join(PAGILA_DIR, 'pagila-data.sql.gz')),
  ]);
  const data = gunzipSync(gzippedData).toString('utf8');
  const steps: DataStep[] = [];
  let sql: string[] = [];
  let copy: { statement: string; lines: string[] } | null = null;
  for (const line of data.split('\n')) {
    if (copy) {
      if (line === '\\.') {
        steps.push({
          kind: 'copy',
          statement: copy.statement,
          data: copy.lines.map((l) => `${l}\n`).join(''),
        });
        copy = null;
      } else copy.lines.push(line);
    } else if (/^COPY .* FROM stdin;$/.test(line)) {
      if (sql.join('').trim()) steps.push({ kind: 'sql', text: sql.join('\n') });
      sql = [];
      copy = { statement: line.replace(/;$/, ''), lines: [] };
    } else sql.push(line);
  }
  if (sql.join('').trim()) steps.push({ kind: 'sql', text: sql.join('\n') });
  return { schema, steps };
}

/**
 * Loads Pagila into an empty PostgreSQL database through the driver only (no psql): the schema
 * as one multi-statement query, each data block fed to COPY FROM STDIN with pg-copy-streams.
 */
export async function loadPagilaPostgres(url: string): Promise<void> {
  const { schema, steps } = await pagilaFiles();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(schema);
    for (const step of steps) {
      if (step.kind === 'sql') await client.query(step.text);
      else {
        const stream = client.query(copyFrom(step.statement));
        stream.end(step.data);
        await finished(stream);
      }
    }
  } finally {
    await client.end();
  }
}

/** The same into an embedded PGlite: COPY data goes in as a Blob (`FROM '/dev/blob'`). */
export async function loadPagilaEmbedded(pglite: PGlite): Promise<void> {
  const { schema, steps } = await pagilaFiles();
  await pglite.exec(schema);
  for (const step of steps) {
    if (step.kind === 'sql') await pglite.exec(step.text);
    else
      await pglite.query(step.statement.replace(/FROM stdin$/, "FROM '/dev/blob'"), [], {
        blob: new Blob([step.data]),
      });
  }
  // The schema's `search_path = ''` is a session setting: leave the session as a fresh one.
  await pglite.exec('RESET ALL');
}
