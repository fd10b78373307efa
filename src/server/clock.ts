/** The time, injected so tests can issue a token now and verify it an hour later. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
