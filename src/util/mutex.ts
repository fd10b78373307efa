/**
 * A FIFO promise-queue mutex whose lock and unlock may happen in different calls (Kysely
 * acquires a connection in one driver call and releases it in another).
 */
export class Mutex {
  #locked = false;
  readonly #waiters: Array<() => void> = [];

  /** Resolves once the caller holds the lock; callers are served in arrival order. */
  async lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    // unlock() hands the lock straight to the next waiter (it never becomes free in between),
    // so a caller arriving later cannot overtake the queue.
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Like `lock()`, but gives up after `timeoutMs` and resolves false. */
  async tryLock(timeoutMs: number): Promise<boolean> {
    if (!this.#locked) {
      this.#locked = true;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        resolve(false);
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Releases the lock, handing it to the longest-waiting caller if any. */
  unlock(): void {
    if (!this.#locked) {
      throw new Error('Mutex.unlock() called while the mutex is not locked');
    }
    const next = this.#waiters.shift();
    if (next) {
      next();
    } else {
      this.#locked = false;
    }
  }
}
