const NEWLINE = 0x0a;
const SEPARATOR = Buffer.from(',\n');

/**
 * Turns `\n`-terminated JSON lines (one row each, chunked anywhere) into the elements of a JSON
 * array: rows joined by `,\n`, no trailing separator. JSON text never holds a raw newline, so
 * every newline ends a row and counting them counts rows. Reports each chunk's rows to `onRows`.
 */
export async function* arrayElements(lines: AsyncIterable<Buffer>, onRows: (rows: number) => void): AsyncGenerator<Buffer> {
  // A row's terminating newline is held back until we know another row follows it.
  let owed = false;
  let partial = false;
  for await (const chunk of lines) {
    if (chunk.length === 0) continue;
    const parts: Buffer[] = owed ? [SEPARATOR] : [];
    let rows = 0;
    let start = 0;
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, start)) {
      rows += 1;
      parts.push(chunk.subarray(start, at));
      start = at + 1;
      if (start < chunk.length) parts.push(SEPARATOR);
    }
    owed = start === chunk.length;
    if (!owed) parts.push(chunk.subarray(start));
    partial = !owed;
    if (rows > 0) onRows(rows);
    yield parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }
  // A last row without its newline is still a row.
  if (partial) onRows(1);
}
