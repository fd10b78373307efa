import type { LogEntry } from '../output.js';
import { batchLength, entrySize, fitEntry } from './log-batches.js';

/**
 * The events waiting for CloudWatch, oldest first, bounded in count and bytes: when full the
 * oldest go, so a long outage costs old lines, never memory. Timestamps never go backwards
 * (a batch must be in time order, and the wall clock can step back).
 */
export class LogBuffer {
  readonly #entries: LogEntry[] = [];
  #bytes = 0;
  #lastTimestamp = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.#entries.length;
  }

  /** Adds one entry; returns how many older entries were dropped to make room. */
  push(entry: LogEntry): number {
    const fitted = fitEntry(entry);
    this.#lastTimestamp = Math.max(this.#lastTimestamp, fitted.timestamp);
    this.#entries.push({ timestamp: this.#lastTimestamp, message: fitted.message });
    this.#bytes += entrySize(fitted);
    return this.#trim();
  }

  /** Removes and returns the oldest entries that one PutLogEvents call accepts. */
  takeBatch(): LogEntry[] {
    const batch = this.#entries.splice(0, batchLength(this.#entries));
    for (const entry of batch) this.#bytes -= entrySize(entry);
    return batch;
  }

  /** Puts an undelivered batch back in front; returns how many were dropped for lack of room. */
  putBack(batch: readonly LogEntry[]): number {
    this.#entries.unshift(...batch);
    for (const entry of batch) this.#bytes += entrySize(entry);
    return this.#trim();
  }

  #trim(): number {
    let dropped = 0;
    while (this.#entries.length > this.maxEntries || this.#bytes > this.maxBytes) {
      const oldest = this.#entries.shift();
      if (!oldest) break;
      this.#bytes -= entrySize(oldest);
      dropped += 1;
    }
    return dropped;
  }
}
