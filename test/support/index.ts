export { createBucket, s3Client, type TestBucket } from './bucket.js';
export {
  cleanEnv,
  CLI_BIN,
  REPO_ROOT,
  runCli,
  startCli,
  type CliProcess,
  type CliResult,
} from './cli.js';
export { databaseUrl, freshDatabase, type FreshDatabase } from './database.js';
export { pgAdminUrl, s3Connection } from './provided.js';
export { tempDir } from './temp-dir.js';
