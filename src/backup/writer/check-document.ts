import Assembler from 'stream-json/assembler.js';
import type { Token } from 'stream-json/parser.js';
import { METADATA_KEY, metadataSchema, type BackupMetadata } from '../format.js';
import { printable } from '../printable.js';
import { describeToken } from '../restore/json-tokens.js';

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
 * Memory stays bounded by the metadata and one row's column names. Synchronous on purpose: a
 * stream per token costs more than the check itself.
 */
export class DocumentChecker {
  #state: State = { at: 'start' };
  #metadata: BackupMetadata | null = null;
  #remaining: Array<{ name: string; columns: string[] }> = [];
  readonly #tables: Record<string, number> = {};

  push(token: Token): void {
    const state = this.#state;
    switch (state.at) {
      case 'start':
        expect(token.name === 'startObject', 'the document is not a JSON object');
        this.#state = { at: 'top' };
        break;
      case 'top':
        this.#top(token);
        break;
      case 'metadata':
        state.assembler.consume(token);
        if (state.assembler.done) {
          this.#metadata = parseMetadata(state.assembler.current);
          this.#remaining = this.#metadata.tables.map((t) => ({
            name: t.name,
            columns: t.columns.map((c) => c.name),
          }));
          this.#state = { at: 'top' };
        }
        break;
      case 'table-start':
        expect(token.name === 'startArray', `table "${state.table.name}" is not an array of rows`);
        this.#state = { at: 'rows', table: state.table };
        break;
      case 'rows':
        if (token.name === 'endArray') {
          this.#tables[state.table.name] = state.table.rows;
          this.#state = { at: 'top' };
          break;
        }
        if (token.name !== 'startObject')
          throw new DocumentProblem(
            `row ${state.table.rows + 1} of table "${state.table.name}" is not an object`,
          );
        this.#state = { at: 'row', table: state.table, seen: new Set(), column: null };
        break;
      case 'row':
        this.#state = rowToken(state, token);
        break;
      case 'end':
        throw new DocumentProblem('unexpected content after the end of the document');
    }
  }

  /** Call once every token was pushed. */
  finish(): CheckedDocument {
    expect(this.#state.at === 'end', 'the document ends early (truncated)');
    return { metadata: this.#metadata as BackupMetadata, tables: this.#tables };
  }

  #top(token: Token): void {
    if (token.name === 'endObject') {
      expect(this.#metadata !== null, `the document has no "${METADATA_KEY}" metadata entry`);
      const missing = this.#remaining[0];
      expect(
        missing === undefined,
        `table "${missing?.name}" is listed in the metadata but missing from the document`,
      );
      this.#state = { at: 'end' };
      return;
    }
    expect(token.name === 'keyValue', 'unexpected token at the top level');
    if (this.#metadata === null) {
      expect(
        token.value === METADATA_KEY,
        `the first entry is "${printable(token.value)}", not the "${METADATA_KEY}" metadata`,
      );
      this.#state = { at: 'metadata', assembler: new Assembler() };
      return;
    }
    this.#state = { at: 'table-start', table: nextTable(token.value, this.#remaining) };
    this.#remaining = this.#remaining.slice(1);
  }
}

// Called for every token of every row: messages are built only when something is wrong.
function rowToken(state: Extract<State, { at: 'row' }>, token: Token): State {
  const { table } = state;
  const where = () => `row ${table.rows + 1} of table "${table.name}"`;
  if (state.column === null) {
    if (token.name === 'endObject') {
      // `seen` holds only listed columns, each once: equal sizes mean every column is there.
      if (state.seen.size !== table.columns.size) {
        const missing = [...table.columns].find((c) => !state.seen.has(c)) ?? '';
        throw new DocumentProblem(`${where()} lacks column "${printable(missing)}"`);
      }
      table.rows += 1;
      return { at: 'rows', table };
    }
    if (token.name !== 'keyValue') throw new DocumentProblem(`${where()} is malformed`);
    const column = token.value;
    if (!table.columns.has(column))
      throw new DocumentProblem(
        `${where()} has column "${printable(column)}", which the metadata does not list`,
      );
    if (state.seen.has(column))
      throw new DocumentProblem(`${where()} has column "${printable(column)}" twice`);
    state.seen.add(column);
    state.column = column;
    return state;
  }
  if (token.name !== 'stringValue' && token.name !== 'nullValue') {
    throw new DocumentProblem(
      `${where()}, column "${printable(state.column)}": expected a string (PostgreSQL text form) or null, found ${describeToken(token, { withValue: false })}`,
    );
  }
  state.column = null;
  return state;
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
    throw new DocumentProblem(
      `the metadata entry is invalid: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown problem'}`,
    );
  }
  const names = parsed.data.tables.map((t) => t.name);
  expect(new Set(names).size === names.length, 'the metadata lists a table twice');
  return parsed.data;
}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new DocumentProblem(message);
}

/** Names come from the file being checked: keep messages to one printable line. */
