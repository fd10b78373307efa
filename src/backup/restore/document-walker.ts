import { METADATA_KEY } from '../format.js';
import { printable } from '../printable.js';
import { describeToken, type Token } from './json-tokens.js';

/** Where a table's values go: column name → position in the row handed to the loader. */
export interface TableShape {
  readonly columnIndex: ReadonlyMap<string, number>;
}

/** What the walker reports, synchronously, as the document's tokens arrive. */
export interface WalkSink {
  /** The reserved first entry, assembled whole (it is small). */
  metadata(value: unknown): void;
  /** A table's rows start; throws to refuse a table the backup did not declare. */
  tableStart(name: string): TableShape;
  row(values: (string | null)[]): void;
  tableEnd(): void;
}

/** The document does not have the backup format's shape. */
export class DocumentShapeError extends Error {}

type State =
  | 'start'
  | 'top-key'
  | 'metadata'
  | 'table-array'
  | 'row-or-end'
  | 'row-key'
  | 'row-value'
  | 'done';

const MAX_METADATA_DEPTH = 32;

/**
 * A small state machine over the token stream of one backup document:
 * `{"__foodfleet_seed__": {…}, "<table>": [{"<column>": "<text>" | null, …}, …], …}`.
 * Everything else — a number or boolean where a value belongs, a key twice, a missing column, a
 * table before the metadata — is refused with the position it was found at.
 */
export class DocumentWalker {
  #state: State = 'start';
  #sink: WalkSink;
  #metadataSeen = false;
  #table = '';
  #tables = new Set<string>();
  #shape: TableShape | null = null;
  #rowNumber = 0;
  /** Rows of the current table that came as tokens (the rest came whole, through tryRow). */
  #tokenRows = 0;
  #values: (string | null | undefined)[] = [];
  #column = -1;
  #columnName = '';
  #assembler: ValueAssembler | null = null;

  constructor(sink: WalkSink) {
    this.#sink = sink;
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  push(token: Token): void {
    switch (this.#state) {
      case 'start':
        if (token.name !== 'startObject') throw this.#error('the document is not a JSON object');
        this.#state = 'top-key';
        return;
      case 'top-key':
        this.#topKey(token);
        return;
      case 'metadata':
        this.#metadataToken(token);
        return;
      case 'table-array':
        if (token.name !== 'startArray') throw this.#error(`table "${this.#table}" must be an array of rows`);
        this.#state = 'row-or-end';
        return;
      case 'row-or-end':
        this.#rowOrEnd(token);
        return;
      case 'row-key':
        this.#rowKey(token);
        return;
      case 'row-value':
        this.#rowValue(token);
        return;
      case 'done':
        throw this.#error('unexpected content after the end of the document');
    }
  }

  /** True between a table's `[` and its `]`, outside any row: where a whole row may come next. */
  get betweenRows(): boolean {
    return this.#state === 'row-or-end';
  }

  /** Rows of the current table so far. */
  get rowsInTable(): number {
    return this.#rowNumber;
  }

  /** Rows of the current table that came as tokens rather than whole, through tryRow. */
  get tokenRowsInTable(): number {
    return this.#tokenRows;
  }

  /**
   * The fast path for one row given whole as JSON text (`{"col": "text" | null, …}`), parsed by
   * V8's JSON.parse instead of token by token. Returns false, having changed nothing, for anything
   * it cannot take as it is — invalid JSON, a key twice (JSON.parse would keep the last one), an
   * undeclared or missing column, a value that is not a string or null — so the caller feeds the
   * same text through the token path, which accepts or refuses it with its exact message.
   */
  tryRow(text: string): boolean {
    if (this.#state !== 'row-or-end') return false;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      return false;
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) return false;
    const { columnIndex } = this.#shape as TableShape;
    const keys = Object.keys(row);
    if (keys.length !== columnIndex.size || memberCount(text) !== keys.length) return false;
    const values: (string | null)[] = new Array(columnIndex.size);
    for (const key of keys) {
      const index = columnIndex.get(key);
      const value = (row as Record<string, unknown>)[key];
      if (index === undefined || (typeof value !== 'string' && value !== null)) return false;
      values[index] = value;
    }
    this.#rowNumber += 1;
    this.#sink.row(values);
    return true;
  }

  #topKey(token: Token): void {
    if (token.name === 'endObject') {
      if (!this.#metadataSeen) throw this.#error(`the document has no "${METADATA_KEY}" metadata entry`);
      this.#state = 'done';
      return;
    }
    if (token.name !== 'keyValue') throw this.#error('expected a table name');
    if (!this.#metadataSeen) {
      if (token.value !== METADATA_KEY)
        throw this.#error(
          `the first entry must be the "${METADATA_KEY}" metadata, found "${printable(token.value)}"`,
        );
      this.#metadataSeen = true;
      this.#assembler = new ValueAssembler();
      this.#state = 'metadata';
      return;
    }
    if (token.value === METADATA_KEY) throw this.#error(`"${METADATA_KEY}" appears twice`);
    if (this.#tables.has(token.value)) throw this.#error(`table "${printable(token.value)}" appears twice`);
    this.#tables.add(token.value);
    this.#table = token.value;
    this.#rowNumber = 0;
    this.#tokenRows = 0;
    this.#shape = this.#sink.tableStart(token.value);
    this.#state = 'table-array';
  }

  #metadataToken(token: Token): void {
    const assembler = this.#assembler as ValueAssembler;
    if (!assembler.push(token)) return;
    this.#assembler = null;
    this.#state = 'top-key';
    this.#sink.metadata(assembler.value);
  }

  #rowOrEnd(token: Token): void {
    if (token.name === 'endArray') {
      this.#sink.tableEnd();
      this.#state = 'top-key';
      return;
    }
    if (token.name !== 'startObject')
      throw this.#error(`row ${this.#rowNumber + 1} of table "${this.#table}" is not an object`);
    this.#rowNumber += 1;
    this.#tokenRows += 1;
    this.#values = new Array((this.#shape as TableShape).columnIndex.size);
    this.#state = 'row-key';
  }

  #rowKey(token: Token): void {
    if (token.name === 'endObject') {
      this.#rowEnd();
      return;
    }
    if (token.name !== 'keyValue')
      throw this.#error(`row ${this.#rowNumber} of table "${this.#table}" is malformed`);
    const index = (this.#shape as TableShape).columnIndex.get(token.value);
    if (index === undefined)
      throw this.#error(
        `row ${this.#rowNumber} of table "${this.#table}" has column "${printable(token.value)}", which the metadata does not declare`,
      );
    if (this.#values[index] !== undefined)
      throw this.#error(
        `row ${this.#rowNumber} of table "${this.#table}" has column "${printable(token.value)}" twice`,
      );
    this.#column = index;
    this.#columnName = token.value;
    this.#state = 'row-value';
  }

  #rowValue(token: Token): void {
    if (token.name === 'stringValue') this.#values[this.#column] = token.value;
    else if (token.name === 'nullValue') this.#values[this.#column] = null;
    else {
      throw this.#error(
        `row ${this.#rowNumber} of table "${this.#table}", column "${printable(this.#columnName)}": values must be PostgreSQL text in a JSON string or null, found ${describeToken(token, { withValue: true })}`,
      );
    }
    this.#state = 'row-key';
  }

  #rowEnd(): void {
    const values = this.#values;
    for (let i = 0; i < values.length; i++) {
      if (values[i] === undefined) {
        const missing =
          [...(this.#shape as TableShape).columnIndex].find(([, index]) => index === i)?.[0] ?? `#${i}`;
        throw this.#error(
          `row ${this.#rowNumber} of table "${this.#table}" lacks column "${printable(missing)}"`,
        );
      }
    }
    this.#sink.row(values as (string | null)[]);
    this.#state = 'row-or-end';
  }

  #error(message: string): DocumentShapeError {
    return new DocumentShapeError(message);
  }
}

/**
 * The number of members of a flat JSON object already known to be valid: its commas outside
 * strings, plus one. Strings are skipped with indexOf, a quote escaped by an odd run of
 * backslashes not ending them. JSON.parse keeps only the last of two equal keys; this count sees both.
 */
function memberCount(text: string): number {
  let commas = 0;
  let members = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2c) commas++;
    else if (c === 0x3a) members = 1;
    else if (c === 0x22) {
      let end = text.indexOf('"', i + 1);
      while (end !== -1 && escaped(text, end)) end = text.indexOf('"', end + 1);
      if (end === -1) return -1;
      i = end;
    }
  }
  return members === 0 ? 0 : commas + 1;
}

function escaped(text: string, quote: number): boolean {
  let backslashes = 0;
  for (let j = quote - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++;
  return backslashes % 2 === 1;
}

/** Builds one JSON value from packed tokens (used for the metadata entry only). */
class ValueAssembler {
  value: unknown = undefined;
  #stack: Array<{ container: Record<string, unknown> | unknown[]; key: string | null }> = [];

  /** Returns true once the value is complete. */
  push(token: Token): boolean {
    switch (token.name) {
      case 'startObject':
        return this.#open(Object.create(null) as Record<string, unknown>);
      case 'startArray':
        return this.#open([]);
      case 'endObject':
      case 'endArray': {
        const done = this.#stack.pop();
        return this.#add(done?.container);
      }
      case 'keyValue': {
        const top = this.#stack[this.#stack.length - 1];
        if (top) top.key = token.value;
        return false;
      }
      case 'stringValue':
        return this.#add(token.value);
      case 'numberValue':
        return this.#add(Number(token.value));
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        return this.#add(token.value);
      default:
        return false;
    }
  }

  #open(container: Record<string, unknown> | unknown[]): boolean {
    if (this.#stack.length >= MAX_METADATA_DEPTH)
      throw new DocumentShapeError('the metadata entry is nested too deeply');
    this.#stack.push({ container, key: null });
    return false;
  }

  #add(value: unknown): boolean {
    const top = this.#stack[this.#stack.length - 1];
    if (!top) {
      this.value = value;
      return true;
    }
    if (Array.isArray(top.container)) top.container.push(value);
    else top.container[top.key ?? ''] = value;
    return false;
  }
}

/** Names come from an untrusted file: shown without control characters, shortened. */
