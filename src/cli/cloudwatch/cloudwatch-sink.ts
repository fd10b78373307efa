import type { LogEntry, LogSink } from '../output.js';
import { LogBuffer } from './log-buffer.js';

/** The two calls the sink makes; the SDK implementation is loaded on the first event. */
export interface LogTransport {
  /** Creates the log stream; one that already exists is fine. */
  createStream(signal: AbortSignal): Promise<void>;
  /** One PutLogEvents call (entries in time order, within its limits). */
  put(entries: readonly LogEntry[], signal: AbortSignal): Promise<void>;
  /** Closes its sockets, including a request still waiting for an answer. */
  destroy(): void;
}

export interface CloudWatchSinkOptions {
  /** e.g. `log group "foodfleet", stream "host-1-…"`: names the destination in warnings. */
  destination: string;
  loadTransport: () => Promise<LogTransport>;
  /** Prints a warning (while running, it also comes back to this sink as a `warning` event). */
  warn: (message: string) => void;
  flushEveryMs: number;
  /** The most a flush at exit may take: the process exits then whatever is left. */
  exitDeadlineMs: number;
}

// A periodic flush gives up after this long, so a hung endpoint cannot pile requests up.
const FLUSH_TIMEOUT_MS = 10_000;
const MAX_BUFFERED_EVENTS = 10_000;
const MAX_BUFFERED_BYTES = 4 * 1_048_576;
// A full batch's worth is sent right away rather than at the next tick.
const EAGER_FLUSH_EVENTS = 1_000;
const NOT_AFFECTED = 'The operation itself is not affected.';

/**
 * Ships log entries to CloudWatch Logs without ever holding up the operation: `write` only
 * buffers; flushes run every `flushEveryMs` (serve) and once at exit within `exitDeadlineMs`.
 * A delivery problem gives one warning per outage, and entries stay buffered for the next try.
 */
export class CloudWatchSink implements LogSink {
  readonly #options: CloudWatchSinkOptions;
  readonly #buffer = new LogBuffer(MAX_BUFFERED_EVENTS, MAX_BUFFERED_BYTES);
  /** Aborted at the exit deadline: whatever request is still out is given up. */
  readonly #stop = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #transport: Promise<LogTransport> | null = null;
  #streamReady = false;
  /** Flushes run one after another. */
  #queue: Promise<void> = Promise.resolve();
  #flushing = false;
  #inFlight = 0;
  /** Warned about the current outage (reset by the next delivery that works). */
  #failing = false;
  #droppedWarned = false;

  constructor(options: CloudWatchSinkOptions) {
    this.#options = options;
    this.#timer = setInterval(() => {
      if (!this.#flushing && this.#buffer.size > 0) void this.#flush(FLUSH_TIMEOUT_MS);
    }, options.flushEveryMs);
    this.#timer.unref(); // never the reason the process stays alive
  }

  write(entry: LogEntry): void {
    // The SDK loads while the operation works, not within the exit deadline.
    void this.#loadTransport();
    this.#noteDropped(this.#buffer.push(entry));
    if (!this.#flushing && this.#buffer.size >= EAGER_FLUSH_EVENTS) void this.#flush(FLUSH_TIMEOUT_MS);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    const { exitDeadlineMs, destination } = this.#options;
    let deadline: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      deadline = setTimeout(() => {
        this.#stop.abort(new Error(`not delivered within ${exitDeadlineMs} ms`));
        resolve();
      }, exitDeadlineMs);
    });
    let finished = false;
    try {
      // Even an SDK that ignored the abort cannot keep the process past the deadline.
      await Promise.race([this.#flush(exitDeadlineMs).then(() => (finished = true)), expired]);
      if (!finished)
        this.#warnOnce(
          `delivery to ${destination} did not finish within ${exitDeadlineMs} ms; ` +
            `${this.#buffer.size + this.#inFlight} event(s) not sent.`,
        );
    } finally {
      clearTimeout(deadline);
      await this.#transport?.then(
        (transport) => transport.destroy(),
        () => undefined,
      );
    }
  }

  #flush(timeoutMs: number): Promise<void> {
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(timeoutMs)]);
    this.#flushing = true;
    this.#queue = this.#queue.then(() => this.#attempt(signal)).finally(() => (this.#flushing = false));
    return this.#queue;
  }

  async #attempt(signal: AbortSignal): Promise<void> {
    try {
      await this.#deliver(signal);
      this.#failing = false;
    } catch (error) {
      this.#warnOnce(
        `delivery to ${this.#options.destination} failed (${reason(error)}); ` +
          `${this.#buffer.size} event(s) not sent yet.`,
      );
    }
  }

  async #deliver(signal: AbortSignal): Promise<void> {
    // A command that reported nothing creates no stream.
    if (this.#buffer.size === 0) return;
    const transport = await this.#loadTransport();
    if (!this.#streamReady) {
      await transport.createStream(signal);
      this.#streamReady = true;
    }
    while (this.#buffer.size > 0) {
      const batch = this.#buffer.takeBatch();
      this.#inFlight = batch.length;
      try {
        await transport.put(batch, signal);
      } catch (error) {
        this.#noteDropped(this.#buffer.putBack(batch));
        throw error;
      } finally {
        this.#inFlight = 0;
      }
    }
  }

  #loadTransport(): Promise<LogTransport> {
    if (!this.#transport) {
      this.#transport = this.#options.loadTransport();
      this.#transport.catch(() => undefined); // reported by the flush that awaits it
    }
    return this.#transport;
  }

  #warnOnce(problem: string): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#options.warn(`CloudWatch Logs: ${problem} ${NOT_AFFECTED}`);
  }

  #noteDropped(dropped: number): void {
    if (dropped === 0 || this.#droppedWarned) return;
    this.#droppedWarned = true;
    this.#options.warn(
      `CloudWatch Logs: the buffer for ${this.#options.destination} is full; the oldest events are dropped.`,
    );
  }
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return `${name}${error.message}`;
  }
  return String(error);
}
