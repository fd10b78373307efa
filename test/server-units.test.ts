import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../src/server/auth/login-throttle.js';
import { passwordProblem } from '../src/server/auth/password-policy.js';

/** The API's pure rules, fast: the password policy and the login throttle's window. */
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

describe('login throttle', () => {
  const clockAt = () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    return { clock: { now: () => new Date(now) }, advance: (seconds: number) => (now += seconds * 1000) };
  };

  it('blocks after 5 failures within 15 minutes, for the rest of the window of the oldest failure', () => {
    const { clock, advance } = clockAt();
    const throttle = new LoginThrottle(clock);
    for (let i = 0; i < 4; i++) {
      throttle.recordFailure(['email:a']);
      advance(60);
    }
    expect(throttle.retryAfter(['email:a'])).toBe(0);
    throttle.recordFailure(['email:a']);
    expect(throttle.retryAfter(['email:a', 'client:x'])).toBe(15 * 60 - 4 * 60);
    advance(15 * 60 - 4 * 60);
    expect(throttle.retryAfter(['email:a'])).toBe(0); // the oldest failure left the window
  });

  it('clear() forgets a key; other keys are independent', () => {
    const { clock } = clockAt();
    const throttle = new LoginThrottle(clock, { maxFailures: 2 });
    throttle.recordFailure(['email:a', 'client:x']);
    throttle.recordFailure(['email:a', 'client:x']);
    throttle.clear('email:a');
    expect(throttle.retryAfter(['email:a'])).toBe(0);
    expect(throttle.retryAfter(['client:x'])).toBeGreaterThan(0);
    expect(throttle.retryAfter(['email:b'])).toBe(0);
  });

  it('keeps at most maxKeys keys, dropping the stalest', () => {
    const { clock } = clockAt();
    const throttle = new LoginThrottle(clock, { maxFailures: 1, maxKeys: 3 });
    for (const key of ['k1', 'k2', 'k3', 'k4']) throttle.recordFailure([key]);
    expect(throttle.retryAfter(['k1'])).toBe(0);
    expect(throttle.retryAfter(['k4'])).toBeGreaterThan(0);
  });
});
