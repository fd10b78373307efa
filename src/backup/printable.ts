/** C0 control characters and DEL: never shown raw in a one-line message. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/**
 * A name or value from an untrusted source (a backup, a `--key`), safe to put in a one-line
 * message: control characters replaced, long values cut.
 */
export function printable(value: string, max = 80): string {
  const clean = value.replace(CONTROL_CHARACTERS, '?');
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}
