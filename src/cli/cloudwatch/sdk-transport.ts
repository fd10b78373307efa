import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-cloudwatch-logs';
import type { CloudWatchConfig } from '../../config/schema.js';
import type { LogTransport } from './cloudwatch-sink.js';

/**
 * CloudWatch Logs through the AWS SDK (loaded only when `logging.cloudwatch` is set), with the
 * standard credential chain (env, profile, SSO, container or instance role).
 */
export function sdkTransport(settings: CloudWatchConfig, logStreamName: string): LogTransport {
  const client = new CloudWatchLogsClient({
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    // Short: the sink has its own deadlines and keeps undelivered events for the next flush.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 8_000 },
  });
  const logGroupName = settings.logGroup;
  return {
    async createStream(signal) {
      try {
        await client.send(new CreateLogStreamCommand({ logGroupName, logStreamName }), {
          abortSignal: signal,
        });
      } catch (error) {
        if (!(error instanceof ResourceAlreadyExistsException)) throw error;
      }
    },
    async put(entries, signal) {
      await client.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents: [...entries] }), {
        abortSignal: signal,
      });
    },
    destroy: () => client.destroy(),
  };
}
