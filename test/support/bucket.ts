import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { s3Connection } from './provided.js';
import { uniqueName } from './unique.js';

/** Environment for the CLI pointing at one bucket on the test s3rver. */
interface BucketEnv {
  S3_BUCKET_NAME: string;
  S3_ENDPOINT: string;
  S3_FORCE_PATH_STYLE: 'true';
  AWS_REGION: 'us-east-1';
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
}

export interface TestBucket {
  name: string;
  env: BucketEnv;
}

/** An S3 client configured for the test s3rver (path style, no optional checksums). */
export function s3Client(): S3Client {
  const { endpoint, accessKeyId, secretAccessKey } = s3Connection();
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Creates a new, uniquely named bucket on the test s3rver. */
export async function createBucket(name?: string): Promise<TestBucket> {
  const bucket = uniqueName('ffs', name, '-');
  const client = s3Client();
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  const { endpoint, accessKeyId, secretAccessKey } = s3Connection();
  return {
    name: bucket,
    env: {
      S3_BUCKET_NAME: bucket,
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
    },
  };
}
