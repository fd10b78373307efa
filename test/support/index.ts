export { createBucket, s3Client, type BucketEnv, type TestBucket } from './bucket.js';
export {
  cleanEnv,
  CLI_BIN,
  REPO_ROOT,
  runCli,
  startCli,
  type CliOptions,
  type CliProcess,
  type CliResult,
} from './cli.js';
export { databaseUrl, freshDatabase, type FreshDatabase } from './database.js';
export { pgAdminUrl, s3Connection, type S3Connection } from './provided.js';
export { removeTempDir, tempDir } from './temp-dir.js';
