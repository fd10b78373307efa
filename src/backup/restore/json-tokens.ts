import { jsonParser, type Token } from 'stream-json/core/parser.js';

export type { Token };

/**
 * stream-json's tokenizer used as a plain function (no object-mode stream per token, which
 * would dominate the cost of a restore): feed text, get the tokens it completes. Strings, keys
 * and numbers come packed (one token each). The text comes decoded (strict-utf8.ts): the
 * restore's feed decodes once, to find lines.
 */
export interface JsonTokenizer {
  writeText(text: string): Token[];
  /** Flushes at end of input; throws when the document is incomplete. */
  end(): Token[];
}

// stream-chain's protocol markers, shared through the global symbol registry (stream-json
// returns them; stream-chain is its dependency, not ours).
const NONE = Symbol.for('object-stream.none');
const MANY = Symbol.for('object-stream.many');

export function createJsonTokenizer(): JsonTokenizer {
  const parse = jsonParser({ packValues: true, streamValues: false }) as unknown as (
    input: string | symbol,
  ) => unknown;
  const tokens = (result: unknown): Token[] => {
    if (result === NONE || result === undefined) return [];
    if (result !== null && typeof result === 'object' && (result as Record<symbol, unknown>)[MANY] === 1) {
      return (result as { values: Token[] }).values;
    }
    return [result as Token];
  };
  const writeText = (text: string): Token[] => (text ? tokens(parse(text)) : []);
  return { writeText, end: () => tokens(parse(NONE)) };
}

/**
 * What a JSON token is, for "expected …, found …" messages: `the number 1` with its value (restore
 * names the offending value of a row it refuses), `a number` without (verify reports the shape).
 */
export function describeToken(token: Token, options: { withValue: boolean }): string {
  switch (token.name) {
    case 'numberValue':
      return options.withValue ? `the number ${token.value}` : 'a number';
    case 'trueValue':
    case 'falseValue':
      return options.withValue ? `the boolean ${String(token.value)}` : 'a boolean';
    case 'startObject':
      return 'an object';
    case 'startArray':
      return 'an array';
    default:
      return token.name;
  }
}
