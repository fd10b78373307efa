/** A promise-queue mutex: `lock()` resolves to a release function once every earlier holder released. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #held = false;

  get held(): boolean {
    return this.#held;
  }

  async lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => next);
    await previous;
    this.#held = true;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#held = false;
      release();
    };
  }

  /** Like `lock()` but gives up after `timeoutMs`, resolving `null`. */
  async tryLock(timeoutMs: number): Promise<(() => void) | null> {
    const acquired = this.lock();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
    const winner = await Promise.race([acquired, timeout]);
    clearTimeout(timer);
    if (winner) return winner;
    // Keep the queue consistent: release as soon as our turn comes.
    void acquired.then((release) => release());
    return null;
  }
}
