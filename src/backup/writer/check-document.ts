import Assembler from 'stream-json/assembler.js';
import type { Token } from 'stream-json/parser.js';
import { METADATA_KEY, metadataSchema, type BackupMetadata } from '../format.js';

/** A backup document that does not have the shape of the format; the message is one line. */
export class DocumentProblem extends Error {}

export interface CheckedDocument {
  metadata: BackupMetadata;
  /** Rows per table, in document order. */
  tables: Record<string, number>;
}

type State =
  | { at: 'start' }
  | { at: 'top' } // inside the top-level object, expecting a key or its end
  | { at: 'metadata'; assembler: Assembler }
  | { at: 'table-start'; table: TableShape }
  | { at: 'rows'; table: TableShape }
  | { at: 'row'; table: TableShape; seen: Set<string>; column: string | null }
  | { at: 'end' };

interface TableShape {
  name: string;
  columns: ReadonlySet<string>;
  rows: number;
}

/**
 * Checks a backup document token by token (stream-json's packed tokens) without building its
 * rows: the metadata entry comes first and is valid; then exactly the tables it lists, in its
 * order, each an array of objects holding every listed column once, each value a string or null.
 * Memory stays bounded by the metadata and one row's column names.
 */
export async function checkDocument(tokens: AsyncIterable<Token>): Promise<CheckedDocument> {
  let state: State = { at: 'start' };
  let metadata: BackupMetadata | null = null;
  let remaining: Array<{ name: string; columns: string[] }> = [];
  const tables: Record<string, number> = {};
  for await (const token of tokens) {
    switch (state.at) {
      case 'start':
        expect(token.name === 'startObject', 'the document is not a JSON object');
        state = { at: 'top' };
        break;
      case 'top':
        if (token.name === 'endObject') {
          expect(metadata !== null, `the document has no "${METADATA_KEY}" metadata entry`);
          expect(remaining.length === 0, `table "${remaining[0]?.name}" is listed in the metadata but missing from the document`);
          state = { at: 'end' };
          break;
        }
        expect(token.name === 'keyValue', 'unexpected token at the top level');
        if (metadata === null) {
          expect(token.value === METADATA_KEY, `the first entry is "${printable(token.value)}", not the "${METADATA_KEY}" metadata`);
          state = { at: 'metadata', assembler: new Assembler() };
          break;
        }
        state = { at: 'table-start', table: nextTable(token.value, remaining) };
        remaining = remaining.slice(1);
        break;
      case 'metadata':
        state.assembler.consume(token);
        if (state.assembler.done) {
          metadata = parseMetadata(state.assembler.current);
          remaining = metadata.tables.map((t) => ({ name: t.name, columns: t.columns.map((c) => c.name) }));
          state = { at: 'top' };
        }
        break;
      case 'table-start':
        expect(token.name === 'startArray', `table "${state.table.name}" is not an array of rows`);
        state = { at: 'rows', table: state.table };
        break;
      case 'rows':
        if (token.name === 'endArray') {
          tables[state.table.name] = state.table.rows;
          state = { at: 'top' };
          break;
        }
        expect(token.name === 'startObject', `row ${state.table.rows + 1} of table "${state.table.name}" is not an object`);
        state = { at: 'row', table: state.table, seen: new Set(), column: null };
        break;
      case 'row':
        state = rowToken(state, token);
        break;
      case 'end':
        throw new DocumentProblem('unexpected content after the end of the document');
    }
  }
  expect(state.at === 'end', 'the document ends early (truncated)');
  return { metadata: metadata as BackupMetadata, tables };
}

function rowToken(state: Extract<State, { at: 'row' }>, token: Token): State {
  const { table } = state;
  const where = `row ${table.rows + 1} of table "${table.name}"`;
  if (state.column === null) {
    if (token.name === 'endObject') {
      const missing = [...table.columns].find((c) => !state.seen.has(c));
      expect(missing === undefined, `${where} lacks column "${printable(missing ?? '')}"`);
      table.rows += 1;
      return { at: 'rows', table };
    }
    expect(token.name === 'keyValue', `${where} is malformed`);
    const column = token.value;
    expect(table.columns.has(column), `${where} has column "${printable(column)}", which the metadata does not list`);
    expect(!state.seen.has(column), `${where} has column "${printable(column)}" twice`);
    state.seen.add(column);
    return { ...state, column };
  }
  expect(
    token.name === 'stringValue' || token.name === 'nullValue',
    `${where}, column "${printable(state.column)}": expected a string (PostgreSQL text form) or null, found ${describe(token)}`,
  );
  return { ...state, column: null };
}

function nextTable(name: string, remaining: ReadonlyArray<{ name: string; columns: string[] }>): TableShape {
  const next = remaining[0];
  expect(next !== undefined, `table "${printable(name)}" is not listed in the metadata`);
  expect(next.name === name, `found table "${printable(name)}" where the metadata lists "${next.name}" next`);
  return { name, columns: new Set(next.columns), rows: 0 };
}

function parseMetadata(value: unknown): BackupMetadata {
  const parsed = metadataSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DocumentProblem(`the metadata entry is invalid: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown problem'}`);
  }
  const names = parsed.data.tables.map((t) => t.name);
  expect(new Set(names).size === names.length, 'the metadata lists a table twice');
  return parsed.data;
}

function describe(token: Token): string {
  switch (token.name) {
    case 'numberValue':
      return 'a number';
    case 'trueValue':
    case 'falseValue':
      return 'a boolean';
    case 'startObject':
      return 'an object';
    case 'startArray':
      return 'an array';
    default:
      return token.name;
  }
}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new DocumentProblem(message);
}

/** Names come from the file being checked: keep messages to one printable line. */
function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}
