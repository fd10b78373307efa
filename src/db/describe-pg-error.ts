/**
 * PostgreSQL's errors quote row contents: `detail` says `Failing row contains (1, admin@…, $2b$12$…)`
 * or `Key (email)=(admin@…) already exists`, `where` repeats a COPY line, and data-exception
 * messages quote the value (`invalid input syntax for type integer: "abc"`). This is the one place
 * such an error becomes text for a person, a log, a JSON document or the ledger: it keeps what
 * locates the problem (table, constraint, columns, the COPY row number) and drops every value.
 */

/** The fields node-postgres (and PGlite) put on a server error. */
interface PgErrorFields {
  code: string;
  message: string;
  detail?: string;
  where?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

/** True for an error PostgreSQL raised (it carries a five-character SQLSTATE). */
export function isDatabaseError(error: unknown): error is Error & PgErrorFields {
  const e = error as Partial<PgErrorFields> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.message === 'string' &&
    typeof e.code === 'string' &&
    /^[0-9A-Z]{5}$/.test(e.code) &&
    // Node's system errors (ECONNREFUSED) have string codes too, never of this shape with a severity.
    ('severity' in e || 'detail' in e || 'where' in e || 'table' in e || 'constraint' in e)
  );
}

/** The error's message without any value from a row, plus where it happened. */
export function describeDatabaseError(error: Error & PgErrorFields): string {
  const located = [
    error.table && `table ${error.table}`,
    error.constraint && `constraint ${error.constraint}`,
    columnsOf(error) && `column${columnsOf(error)?.includes(',') ? 's' : ''} ${columnsOf(error)}`,
    copyRow(error.where),
  ].filter(Boolean);
  const message = withoutValues(error.message.trim(), error.code);
  return located.length > 0 ? `${message} (${located.join(', ')})` : message;
}

/** Any error's message, the database's described without row contents. */
export function safeErrorMessage(error: unknown): string {
  if (isDatabaseError(error)) return describeDatabaseError(error);
  return error instanceof Error ? error.message : String(error);
}

/** The stack to record: a database error's own stack repeats its raw message, so it is not kept. */
export function safeErrorStack(error: unknown): string | undefined {
  if (isDatabaseError(error)) return `${error.name}: ${describeDatabaseError(error)}`;
  return error instanceof Error ? error.stack : undefined;
}

function withoutValues(message: string, code: string): string {
  // Class 22 (data exception): the quoted text is the offending value.
  if (!code.startsWith('22')) return message;
  return message.replace(/:\s*"(?:[^"]|"")*"\s*$/s, '').replace(/"(?:[^"]|"")*"/gs, '(value withheld)');
}

/** `Key (email)=(…)` names the columns before it quotes the values: keep the names only. */
function columnsOf(error: PgErrorFields): string | undefined {
  const key = error.detail && /^Key \(([^)]*)\)=/.exec(error.detail);
  if (key) return key[1];
  return error.column;
}

/** `COPY users, line 3, column email: "…"` → `row 3 of the data copied into users, column email`. */
function copyRow(where: string | undefined): string | undefined {
  const copy = where && /^COPY ([^,]+), line (\d+)(?:, column ([^:]+))?/.exec(where);
  if (!copy) return undefined;
  return `row ${copy[2]} of the data copied into ${copy[1]}${copy[3] ? `, column ${copy[3]}` : ''}`;
}
