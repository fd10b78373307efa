import { UsageError } from '../../errors.js';
import { CONTROL_CHARACTERS, printable } from '../printable.js';

/**
 * Object keys are `/`-separated relative paths, checked the same way for every store so that a key
 * that works on S3 also works in a folder (and cannot escape it). Segments starting with `.` are
 * reserved: the folder store writes in-progress files under such names and never lists them.
 */
export function assertObjectKey(key: string): void {
  const problem = keyProblem(key, false);
  if (problem)
    throw new UsageError(
      `Invalid backup key "${printable(key, 200)}": ${problem}. Nothing was read or written.`,
    );
}

/** A listing prefix: like a key, but may be empty or end with `/`. */
export function assertKeyPrefix(prefix: string): void {
  if (prefix === '') return;
  const problem = keyProblem(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, true);
  if (problem)
    throw new UsageError(
      `Invalid backup prefix "${printable(prefix, 200)}": ${problem}. Nothing was read or written.`,
    );
}

function keyProblem(key: string, isPrefix: boolean): string | null {
  if (key === '') return isPrefix ? 'it must not be only "/"' : 'it is empty';
  if (key.length > 1024) return 'it is longer than 1024 characters';
  if (key.startsWith('/')) return 'it must be relative (no leading "/")';
  if (/^[A-Za-z]:/.test(key)) return 'it must be relative (no drive letter)';
  if (key.includes('\\')) return 'it must use "/" as separator, not "\\"';
  if (key.search(CONTROL_CHARACTERS) !== -1) return 'it contains control characters';
  for (const segment of key.split('/')) {
    if (segment === '') return 'it contains an empty path segment ("//" or a trailing "/")';
    if (segment === '.' || segment === '..') return `it contains a "${segment}" segment`;
    if (segment.startsWith('.'))
      return `segment "${segment}" starts with "." (reserved for in-progress files)`;
  }
  return null;
}
