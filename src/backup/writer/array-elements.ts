const NEWLINE = 0x0a;
const COMMA = 0x2c;

/**
 * Passes a table's row lines (each `,<json>\n`, chunked anywhere — see `Snapshot.rows`) into the
 * document as the elements of its JSON array: only the first row's leading comma is dropped, by a
 * view on the chunk, so the rows' bytes are never copied. JSON text never holds a raw newline, so
 * counting newlines counts rows; each chunk's count goes to `onRows`.
 */
export async function* arrayElements(
  lines: AsyncIterable<Buffer>,
  onRows: (rows: number) => void,
): AsyncGenerator<Buffer> {
  let first = true;
  let partial = false;
  for await (const chunk of lines) {
    if (chunk.length === 0) continue;
    let rows = 0;
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) rows += 1;
    partial = chunk[chunk.length - 1] !== NEWLINE;
    if (rows > 0) onRows(rows);
    if (first) {
      first = false;
      if (chunk[0] !== COMMA) throw new Error('a snapshot row line does not start with its separator');
      if (chunk.length > 1) yield chunk.subarray(1);
      continue;
    }
    yield chunk;
  }
  // A last row without its newline is still a row.
  if (partial) onRows(1);
}
