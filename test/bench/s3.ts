import { startS3, type RunningS3 } from '../support/s3-server.js';

/** The s3rver the bench backs up to, started on first use (comparison 6 only). */
export interface S3Service {
  /** Environment for the CLI pointing at a new bucket on it. */
  bucketEnv(name: string): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * s3rver runs in its own Node process with --openssl-legacy-provider, on a random 127.0.0.1
 * port, exactly as the tests start it (test/support/s3-server.ts).
 */
export function s3Service(): S3Service {
  let running: Promise<RunningS3> | undefined;
  return {
    async bucketEnv(name) {
      running ??= startS3();
      const server = await running;
      // The harness's own S3 client (bucket creation) would warn on stderr about Node 20 otherwise.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      const { CreateBucketCommand, S3Client } = await import('@aws-sdk/client-s3');
      const client = new S3Client({
        endpoint: server.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      });
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } finally {
        client.destroy();
      }
      return {
        S3_BUCKET_NAME: name,
        S3_ENDPOINT: server.endpoint,
        S3_FORCE_PATH_STYLE: 'true',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: server.accessKeyId,
        AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
      };
    },
    async stop() {
      if (running) await (await running.catch(() => undefined))?.stop();
    },
  };
}
