import { hostname } from 'node:os';
import type { CloudWatchConfig } from '../../config/schema.js';
import type { Output } from '../output.js';
import { CloudWatchSink } from './cloudwatch-sink.js';
import { defaultLogStream } from './stream-name.js';

const FLUSH_EVERY_MS = 5_000;
/** Exit waits at most this long for CloudWatch: a command never ends noticeably later. */
const EXIT_DEADLINE_MS = 2_000;

/**
 * Sends every JSON event of this process to CloudWatch Logs as well (`logging.cloudwatch`). The
 * AWS SDK is imported on the first flush, so commands without CloudWatch never load it.
 */
export function attachCloudWatch(out: Output, settings: CloudWatchConfig): void {
  const startedAt = new Date(performance.timeOrigin);
  const logStream = settings.logStream ?? defaultLogStream(hostname(), process.pid, startedAt);
  out.addEventSink(
    new CloudWatchSink({
      destination: `log group "${settings.logGroup}", stream "${logStream}"`,
      loadTransport: async () => (await import('./sdk-transport.js')).sdkTransport(settings, logStream),
      warn: (message) => out.warn(message),
      flushEveryMs: FLUSH_EVERY_MS,
      exitDeadlineMs: EXIT_DEADLINE_MS,
    }),
  );
}
