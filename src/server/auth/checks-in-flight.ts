import { ApiError } from '../api-error.js';

/**
 * Password checks running per client address, in this process. bcrypt is the server's scarcest
 * resource: one address bursting 100 logins gets two checks at a time and 429s for the rest,
 * so a quiet address's login queues behind a few hashes, not behind the burst.
 */
export class ChecksInFlight {
  readonly #max: number;
  /** Only addresses with a check running: the map is as large as the concurrency, no larger. */
  readonly #running = new Map<string, number>();

  constructor(maxPerAddress: number) {
    this.#max = maxPerAddress;
  }

  /** Runs `check` in one of `address`'s slots, or refuses with 429 when they are all taken. */
  async run<T>(address: string, check: () => Promise<T>): Promise<T> {
    const running = this.#running.get(address) ?? 0;
    if (running >= this.#max) {
      throw new ApiError(
        429,
        `Too many password checks in progress from your address (at most ${this.#max} at a time); nothing was checked. Retry in a second.`,
        { 'Retry-After': '1' },
      );
    }
    this.#running.set(address, running + 1);
    try {
      return await check();
    } finally {
      const left = (this.#running.get(address) ?? 1) - 1;
      if (left <= 0) this.#running.delete(address);
      else this.#running.set(address, left);
    }
  }
}
