/**
 * Quotes an identifier for SQL text exactly as PostgreSQL's `quote_ident` / pg's
 * `escapeIdentifier` do: always double-quoted, inner quotes doubled. Names read from a backup are
 * checked against the live catalog first and then only ever reach SQL through here.
 */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new Error('identifier contains a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"`. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
