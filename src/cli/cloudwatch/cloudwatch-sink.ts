import type { LogEntry, LogSink } from '../output.js';
import { LogBuffer } from './log-buffer.js';

/** The two calls the sink makes; the SDK implementation is loaded on the first flush. */
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

/**
 * Ships log entries to CloudWatch Logs without ever holding up the operation: `write` only
 * buffers; flushes run every `flushEveryMs` (serve) and once at exit within `exitDeadlineMs`.
 * A delivery problem gives one warning per outage, and entries stay buffered for the next try.
 */
export function cloudWatchSink(options: CloudWatchSinkOptions): LogSink {
  const buffer = new LogBuffer(MAX_BUFFERED_EVENTS, MAX_BUFFERED_BYTES);
  const stop = new AbortController();
  let transport: Promise<LogTransport> | null = null;
  let streamReady = false;
  let queue: Promise<void> = Promise.resolve();
  let flushing = false;
  let failing = false;
  let droppedWarned = false;
  let inFlight = 0;

  const loadTransport = (): Promise<LogTransport> => {
    if (!transport) {
      transport = options.loadTransport();
      transport.catch(() => undefined); // reported by the flush that awaits it
    }
    return transport;
  };

  const deliver = async (signal: AbortSignal) => {
    // A command that reported nothing creates no stream (and never loads the SDK).
    if (buffer.size === 0) return;
    const client = await loadTransport();
    if (!streamReady) {
      await client.createStream(signal);
      streamReady = true;
    }
    while (buffer.size > 0) {
      const batch = buffer.takeBatch();
      inFlight = batch.length;
      try {
        await client.put(batch, signal);
      } catch (error) {
        noteDropped(buffer.putBack(batch));
        throw error;
      } finally {
        inFlight = 0;
      }
    }
  };

  const attempt = async (signal: AbortSignal) => {
    try {
      await deliver(signal);
      failing = false;
    } catch (error) {
      if (failing) return;
      failing = true;
      options.warn(
        `CloudWatch Logs: delivery to ${options.destination} failed (${reason(error)}); ` +
          `${buffer.size} event(s) not sent yet. The operation itself is not affected.`,
      );
    }
  };

  const flush = (timeoutMs: number): Promise<void> => {
    const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]);
    flushing = true;
    queue = queue.then(() => attempt(signal)).finally(() => (flushing = false));
    return queue;
  };

  const noteDropped = (dropped: number) => {
    if (dropped === 0 || droppedWarned) return;
    droppedWarned = true;
    options.warn(
      `CloudWatch Logs: the buffer for ${options.destination} is full; the oldest events are dropped.`,
    );
  };

  const timer = setInterval(() => {
    if (!flushing && buffer.size > 0) void flush(FLUSH_TIMEOUT_MS);
  }, options.flushEveryMs);
  timer.unref(); // never the reason the process stays alive

  return {
    write(entry) {
      // The SDK loads while the operation works, not in the exit deadline.
      void loadTransport();
      noteDropped(buffer.push(entry));
      if (!flushing && buffer.size >= EAGER_FLUSH_EVENTS) void flush(FLUSH_TIMEOUT_MS);
    },
    async close() {
      clearInterval(timer);
      let deadline: NodeJS.Timeout | undefined;
      const expired = new Promise<void>((resolve) => {
        deadline = setTimeout(() => {
          stop.abort(new Error(`not delivered within ${options.exitDeadlineMs} ms`));
          resolve();
        }, options.exitDeadlineMs);
      });
      let finished = false;
      try {
        // Even an SDK that ignored the abort cannot keep the process past the deadline.
        await Promise.race([flush(options.exitDeadlineMs).then(() => (finished = true)), expired]);
        if (!finished && !failing) {
          failing = true;
          options.warn(
            `CloudWatch Logs: delivery to ${options.destination} did not finish within ` +
              `${options.exitDeadlineMs} ms; ${buffer.size + inFlight} event(s) not sent. The operation itself is not affected.`,
          );
        }
      } finally {
        clearTimeout(deadline);
        if (transport)
          await transport.then(
            (client) => client.destroy(),
            () => undefined,
          );
      }
    },
  };
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return `${name}${error.message}`;
  }
  return String(error);
}
