/**
 * Text-log safety for what a request controls. A path is decoded (`%0A` is a newline), so
 * `GET /health%0APOST%20/api/v1/seeders/reset%20200` would otherwise print a second, forged
 * request line; ESC would recolour the operator's terminal. JSON logs need none of this.
 */

/**
 * C0 controls, DEL, C1 controls, the Unicode line and paragraph separators, and the backslash
 * itself (so an escape in a field always means an escaped character). A multi-line message keeps
 * its newlines, tabs and backslashes (a stack trace's, a Windows path's).
 */
function isUnsafe(code: number, multiLine: boolean): boolean {
  if (multiLine && (code === 0x0a || code === 0x09 || code === 0x5c)) return false;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 || code === 0x5c;
}

function escapeChar(ch: string): string {
  if (ch === '\\') return '\\\\';
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
}

function escapeWhere(text: string, multiLine: boolean): string {
  let out = '';
  for (const ch of text) out += isUnsafe(ch.charCodeAt(0), multiLine) ? escapeChar(ch) : ch;
  return out;
}

/** One request-derived field on one line: each unsafe character becomes a visible escape. */
export function escapeControl(text: string): string {
  return escapeWhere(text, false);
}

/**
 * A multi-line message (a stack trace) stays readable, but its continuation lines are indented
 * and its other controls escaped, so no part of it can pass for a line of its own.
 */
export function indentContinuation(text: string): string {
  return escapeWhere(text.replace(/\r\n/g, '\n'), true).split('\n').join('\n    ');
}
