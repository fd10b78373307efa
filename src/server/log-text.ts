/**
 * Text-log safety for what a request controls. A path is decoded (`%0A` is a newline), so
 * `GET /health%0APOST%20/api/v1/seeders/reset%20200` would otherwise print a second, forged
 * request line; ESC would recolour the operator's terminal. JSON logs need none of this.
 */

// C0 controls, DEL, C1 controls, the Unicode line and paragraph separators, and the backslash
// itself (so an escape in the log always means an escaped character).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\\]/g;

/** One request-derived field on one line: each unsafe character becomes a visible escape. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    if (ch === '\\') return '\\\\';
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

/**
 * A multi-line message (a stack trace) stays readable, but its continuation lines are indented
 * and its other controls escaped, so no part of it can pass for a line of its own.
 */
export function indentContinuation(text: string): string {
  return text
    .split(/\r\n|\n/)
    .map((line) =>
      line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, (ch) => escapeControl(ch)),
    )
    .join('\n    ');
}
