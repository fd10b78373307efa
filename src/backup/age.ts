/** How an age is written (`backups prune --older-than`, `server.backupRetention.olderThan`). */
export const AGE_FORMAT = 'a number of hours, days or weeks, e.g. 12h, 30d or 2w';

/** `30d`, `12h`, `2w` → milliseconds; null when `text` is not such an age. */
export function parseAge(text: string): number | null {
  const match = /^(\d+)\s*([hdw])$/i.exec(text.trim());
  if (!match) return null;
  const hours = { h: 1, d: 24, w: 24 * 7 }[(match[2] as string).toLowerCase() as 'h' | 'd' | 'w'];
  return Number(match[1]) * hours * 60 * 60 * 1000;
}
