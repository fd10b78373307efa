import { DEFAULT_SUPERADMIN_PASSWORD } from '../../../seeds/catalog.js';

const MIN_PASSWORD_LENGTH = 12;
/** bcrypt silently ignores every byte past 72: refuse longer passwords rather than truncate them. */
export const MAX_PASSWORD_BYTES = 72;

const RULE = `at least ${MIN_PASSWORD_LENGTH} characters, at most ${MAX_PASSWORD_BYTES} bytes (UTF-8), with an upper-case letter, a lower-case letter, a digit and a symbol`;

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(candidate: string, current: string): string | null {
  const missing: string[] = [];
  if ([...candidate].length < MIN_PASSWORD_LENGTH) missing.push(`it has ${[...candidate].length} characters`);
  if (Buffer.byteLength(candidate, 'utf8') > MAX_PASSWORD_BYTES) {
    missing.push(
      `it is ${Buffer.byteLength(candidate, 'utf8')} bytes long and bcrypt ignores everything past ${MAX_PASSWORD_BYTES}`,
    );
  }
  if (!/\p{Lu}/u.test(candidate)) missing.push('no upper-case letter');
  if (!/\p{Ll}/u.test(candidate)) missing.push('no lower-case letter');
  if (!/\p{Nd}/u.test(candidate)) missing.push('no digit');
  if (!/[^\p{L}\p{Nd}\s]/u.test(candidate)) missing.push('no symbol');
  if (missing.length > 0) return `new_password must be ${RULE} (${missing.join(', ')})`;
  if (candidate === DEFAULT_SUPERADMIN_PASSWORD)
    return 'new_password is the published default password; choose another';
  if (candidate === current) return 'new_password is the same as current_password; choose a different one';
  return null;
}
