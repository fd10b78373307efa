import type { DocumentWalker } from './document-walker.js';
import type { JsonTokenizer } from './json-tokens.js';

/** A line longer than this is streamed through the tokenizer instead of being held whole. */
const MAX_HELD_LINE = 1024 * 1024;

/**
 * Feeds a backup document to the walker, a row at a time where it can. The writer puts every row
 * on a line of its own (`{…}` first, then `,{…}`); such a line is parsed whole by JSON.parse
 * (DocumentWalker.tryRow), ≈ 5× faster than JSON tokens. Everything else — the metadata, table
 * names, brackets, a row the fast path declines, a document laid out another way — goes through
 * the tokenizer, which must then judge it exactly as it would have without the fast path. A row
 * taken whole is left out of the token stream, so when only such rows preceded in the table the
 * tokenizer is still right after `[`: it is first given a stand-in value (`0`, whose token is
 * dropped), and is then in the state the rows it did not see would have left it in.
 */
export function createDocumentFeed(
  walker: DocumentWalker,
  tokenizer: JsonTokenizer,
): {
  write(text: string): void;
  end(): void;
} {
  let held = '';
  /** The current line is being streamed: the rest of it goes straight to the tokenizer. */
  let streaming = false;

  const tokens = (text: string, standIn = false) => {
    const found = tokenizer.writeText(standIn ? `0${text}` : text);
    for (let i = standIn ? 1 : 0; i < found.length; i++) walker.push(found[i]!);
  };
  /** Tokenizes text that starts a line, behind a stand-in value when the tokenizer needs one. */
  const lineStart = (line: string, end: string): void => {
    const standIn =
      walker.betweenRows && walker.rowsInTable > 0 && walker.tokenRowsInTable === 0 && line.trim() !== '';
    tokens(line + end, standIn);
  };
  const wholeLine = (line: string): void => {
    if (walker.betweenRows && line.charCodeAt(line.length - 1) === 0x7d) {
      // `{…}` opens a table's rows, `,{…}` continues them: the same commas the JSON needs.
      const first = walker.rowsInTable === 0;
      const open = first ? 0 : 1;
      if ((first || line.charCodeAt(0) === 0x2c) && line.charCodeAt(open) === 0x7b) {
        if (walker.tryRow(line.slice(open))) return;
      }
    }
    lineStart(line, '\n');
  };

  return {
    write(text) {
      let from = 0;
      for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', from)) {
        const piece = text.slice(from, newline);
        from = newline + 1;
        if (streaming) {
          tokens(`${piece}\n`);
          streaming = false;
        } else if (held.length > 0) {
          const line = held + piece;
          held = '';
          wholeLine(line);
        } else wholeLine(piece);
      }
      const rest = text.slice(from);
      if (streaming) tokens(rest);
      else {
        held += rest;
        if (held.length > MAX_HELD_LINE) {
          lineStart(held, '');
          held = '';
          streaming = true;
        }
      }
    },
    end() {
      if (held.length > 0) wholeLine(held);
      held = '';
    },
  };
}
