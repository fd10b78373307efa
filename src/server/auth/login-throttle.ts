import type { Clock } from '../clock.js';

export interface ThrottleOptions {
  /** Failures allowed per key within the window (default 5). */
  maxFailures?: number;
  /** Window in seconds (default 15 minutes). */
  windowSeconds?: number;
  /** Keys tracked at most; the stalest are dropped first (bounds memory under a spray). */
  maxKeys?: number;
}

/**
 * Counts failed logins per key (an email, a client address) in a sliding window. In memory, per
 * process: a restart forgets, which costs an attacker a restart they cannot trigger.
 */
export class LoginThrottle {
  readonly #clock: Clock;
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  /** Failure times per key, oldest first; Map order doubles as staleness order. */
  readonly #failures = new Map<string, number[]>();

  constructor(clock: Clock, options: ThrottleOptions = {}) {
    this.#clock = clock;
    this.#max = options.maxFailures ?? 5;
    this.#windowMs = (options.windowSeconds ?? 15 * 60) * 1000;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /** Seconds until any of `keys` may try again, or 0 when none is blocked. */
  retryAfter(keys: readonly string[]): number {
    const now = this.#clock.now().getTime();
    let wait = 0;
    for (const key of keys) {
      const times = this.#recent(key, now);
      if (times.length >= this.#max)
        wait = Math.max(wait, Math.ceil(((times[0] as number) + this.#windowMs - now) / 1000));
    }
    return wait;
  }

  recordFailure(keys: readonly string[]): void {
    const now = this.#clock.now().getTime();
    for (const key of keys) {
      const times = this.#recent(key, now);
      times.push(now);
      this.#failures.delete(key);
      this.#failures.set(key, times.slice(-this.#max));
    }
    while (this.#failures.size > this.#maxKeys)
      this.#failures.delete(this.#failures.keys().next().value as string);
  }

  clear(key: string): void {
    this.#failures.delete(key);
  }

  #recent(key: string, now: number): number[] {
    const times = (this.#failures.get(key) ?? []).filter((t) => t > now - this.#windowMs);
    if (times.length === 0) this.#failures.delete(key);
    return times;
  }
}
