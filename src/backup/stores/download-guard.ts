import { Readable } from 'node:stream';

/**
 * Wraps a download so that it cannot stall forever: whenever the consumer asks for data and none
 * arrives within `timeoutMs`, the stream fails with `onStall()`. Time the consumer spends not reading
 * (e.g. a restore busy inside PostgreSQL) does not count — unlike a socket idle timeout, which would
 * kill a healthy download paused by backpressure. Source errors are passed through `mapError`.
 */
export function guardDownload(
  source: Readable,
  timeoutMs: number,
  onStall: () => Error,
  mapError: (error: unknown) => Error,
): Readable {
  const iterator = source[Symbol.asyncIterator]();
  return new Readable({
    read() {
      const timer = setTimeout(() => this.destroy(onStall()), timeoutMs);
      iterator.next().then(
        ({ done, value }) => {
          clearTimeout(timer);
          this.push(done ? null : (value as Buffer));
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (!this.destroyed) this.destroy(mapError(error));
        },
      );
    },
    destroy(error, callback) {
      if (!source.destroyed) source.destroy();
      callback(error);
    },
  });
}
