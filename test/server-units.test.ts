import { describe, expect, it } from 'vitest';
import { describeDatabaseError, safeErrorMessage, safeErrorStack } from '../src/db/describe-pg-error.js';
import { escapeControl } from '../src/server/log-text.js';
import { textProblems } from '../src/server/text-problems.js';
import { passwordProblem } from '../src/server/auth/password-policy.js';

/** The API's pure rules, fast: the password policy, log escaping, input text checks, error sanitizing. */
describe('password policy', () => {
  it("accepts the guide's example and other strong passwords", () => {
    for (const ok of ['NewSecurePassword123!', 'Añejo-Tequila-2024', `Aa1!${'x'.repeat(68)}`])
      expect(passwordProblem(ok, 'old')).toBeNull();
  });

  it('names what is missing', () => {
    expect(passwordProblem('short', 'old')).toMatch(
      /it has 5 characters, no upper-case letter, no digit, no symbol/,
    );
    expect(passwordProblem('ALLUPPERCASE-123', 'old')).toMatch(/\(no lower-case letter\)/);
    expect(passwordProblem('Spaces are not symbols 1', 'old')).toMatch(/no symbol/);
  });

  it('refuses more than 72 bytes (bcrypt would silently ignore the rest), counting UTF-8 bytes', () => {
    expect(passwordProblem(`Aa1!${'x'.repeat(69)}`, 'old')).toMatch(/73 bytes long/);
    expect(passwordProblem(`Aa1!${'€'.repeat(23)}`, 'old')).toMatch(/73 bytes long/);
  });

  it('refuses the published default and the current password', () => {
    expect(passwordProblem('SuperAdmin@123', 'old')).toMatch(/published default/);
    expect(passwordProblem('Same-Password-42!', 'Same-Password-42!')).toMatch(/same as current_password/);
  });
});

describe('text log escaping', () => {
  it('turns every control character of a request field into a visible escape', () => {
    expect(escapeControl('/health\nPOST /x\r\u001b[31m\u0000\\')).toBe(
      '/health\\nPOST /x\\r\\x1b[31m\\x00\\\\',
    );
    expect(escapeControl('/api/v1/seeders/ok-é')).toBe('/api/v1/seeders/ok-é');
  });
});

describe('text problems in input', () => {
  it('names NUL characters and lone surrogates by field, and U+FFFD only when the bytes were damaged', () => {
    expect(textProblems({ email: 'a\u0000', nested: ['ok', '\udc00'] }, 'body')).toEqual([
      'body.email: contains a NUL character',
      'body.nested.1: is not valid Unicode (a lone surrogate)',
    ]);
    expect(textProblems({ name: 'fine \uFFFD' }, 'body')).toEqual([]);
    expect(textProblems({ name: 'fine \uFFFD' }, 'body', true)).toEqual(['body.name: is not valid UTF-8']);
    expect(textProblems({ emoji: '😀' }, 'body')).toEqual([]);
  });
});

describe('PostgreSQL errors without row contents', () => {
  const pgError = (fields: Record<string, unknown>) =>
    Object.assign(new Error(String(fields.message)), { severity: 'ERROR', ...fields });

  it('a CHECK violation during COPY: table, constraint and row number, never the row', () => {
    const error = pgError({
      code: '23514',
      message: 'new row for relation "users" violates check constraint "users_no_admin"',
      detail: 'Failing row contains (1, admin@foodfleet.com, $2b$12$abc).',
      where: 'COPY users, line 1: "1\tadmin@foodfleet.com\t$2b$12$abc"',
      table: 'users',
      constraint: 'users_no_admin',
    });
    const text = describeDatabaseError(error as never);
    expect(text).toBe(
      'new row for relation "users" violates check constraint "users_no_admin" (table users, constraint users_no_admin, row 1 of the data copied into users)',
    );
    expect(safeErrorStack(error)).not.toMatch(/admin@|\$2b/);
  });

  it('a unique violation keeps the key columns, not their values; a data exception drops the value', () => {
    const unique = pgError({
      code: '23505',
      message: 'duplicate key value violates unique constraint "users_email_key"',
      detail: 'Key (email)=(admin@foodfleet.com) already exists.',
      table: 'users',
      constraint: 'users_email_key',
    });
    expect(safeErrorMessage(unique)).toBe(
      'duplicate key value violates unique constraint "users_email_key" (table users, constraint users_email_key, column email)',
    );
    const syntax = pgError({
      code: '22P02',
      message: 'invalid input syntax for type integer: "abc"',
      where: 'COPY roles, line 3, column id: "abc"',
    });
    expect(safeErrorMessage(syntax)).toBe(
      'invalid input syntax for type integer (row 3 of the data copied into roles, column id)',
    );
    expect(safeErrorMessage(new Error('plain'))).toBe('plain');
  });
});
