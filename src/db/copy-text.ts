/** Backslash, tab, newline and carriage return: the only bytes COPY's text format treats specially in data. */
const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * One row as a line of COPY text format: values are PostgreSQL's own text forms (from the
 * backup), so only the format's escapes are applied; SQL NULL is `\N`. Escaping every backslash
 * also means no value can ever form the `\.` end-of-data marker.
 */
export function copyTextLine(values: readonly (string | null)[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) line += '\t';
    if (value === null || value === undefined) line += '\\N';
    else line += SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c] ?? c) : value;
  }
  return `${line}\n`;
}
