import { randomBytes } from 'node:crypto';

/**
 * A unique, lowercase identifier: `<prefix><sep><hint><sep><random>`, safe for
 * PostgreSQL database names (sep `_`) and S3 bucket names (sep `-`), max 63 chars.
 */
export function uniqueName(prefix: string, hint: string | undefined, sep: '_' | '-'): string {
  const random = randomBytes(5).toString('hex');
  const cleanHint = (hint ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, sep)
    .replace(new RegExp(`^\\${sep}+|\\${sep}+$`, 'g'), '')
    .slice(0, 63 - prefix.length - random.length - 2);
  return [prefix, cleanHint, random].filter(Boolean).join(sep);
}
