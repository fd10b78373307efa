/**
 * A name or value from an untrusted backup, safe to put in a one-line message: control
 * characters replaced, long values cut.
 */
export function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}
