import { deepMerge, nest, type PlainObject } from './merge.js';

type Kind = 'string' | 'boolean' | 'number' | 'list';

/** Every environment variable the tool reads, and where it lands in the config. */
const ENVIRONMENT_VARIABLES: ReadonlyArray<{ name: string; path: readonly string[]; kind: Kind }> = [
  { name: 'DATABASE_URL', path: ['database', 'url'], kind: 'string' },
  { name: 'DATABASE_SCHEMA', path: ['database', 'schema'], kind: 'string' },
  { name: 'SEED_ENVIRONMENT', path: ['environment'], kind: 'string' },
  { name: 'SEED_SEEDERS_DIR', path: ['seeders', 'dir'], kind: 'string' },
  { name: 'SEED_EMBEDDED_DIR', path: ['database', 'embedded', 'dir'], kind: 'string' },
  { name: 'SEED_SUPERADMIN_EMAIL', path: ['superadmin', 'email'], kind: 'string' },
  { name: 'SEED_SUPERADMIN_PASSWORD', path: ['superadmin', 'password'], kind: 'string' },
  { name: 'SEED_LOCK_TIMEOUT', path: ['lockTimeout'], kind: 'number' },
  { name: 'SEED_LOG_FORMAT', path: ['logFormat'], kind: 'string' },
  { name: 'SEED_BACKUP_DIR', path: ['backup', 'dir'], kind: 'string' },
  { name: 'S3_BUCKET_NAME', path: ['backup', 's3', 'bucket'], kind: 'string' },
  { name: 'AWS_REGION', path: ['backup', 's3', 'region'], kind: 'string' },
  { name: 'S3_PREFIX', path: ['backup', 's3', 'prefix'], kind: 'string' },
  { name: 'S3_ENDPOINT', path: ['backup', 's3', 'endpoint'], kind: 'string' },
  { name: 'S3_FORCE_PATH_STYLE', path: ['backup', 's3', 'forcePathStyle'], kind: 'boolean' },
  { name: 'S3_TIMEOUT', path: ['backup', 's3', 'timeout'], kind: 'number' },
  { name: 'SEED_TOKEN_SECRET', path: ['server', 'tokenSecret'], kind: 'string' },
  { name: 'SEED_SERVER_HOST', path: ['server', 'host'], kind: 'string' },
  { name: 'SEED_SERVER_PORT', path: ['server', 'port'], kind: 'number' },
  { name: 'CLOUDWATCH_LOG_GROUP', path: ['logging', 'cloudwatch', 'logGroup'], kind: 'string' },
  { name: 'CLOUDWATCH_ENDPOINT', path: ['logging', 'cloudwatch', 'endpoint'], kind: 'string' },
  { name: 'SEED_BACKUP_SCHEDULE', path: ['server', 'backupSchedule'], kind: 'string' },
];

/** S3-only variables that would create a `backup.s3` section without a bucket. */
const NEEDS_BUCKET = new Set(['AWS_REGION', 'S3_PREFIX', 'S3_ENDPOINT', 'S3_FORCE_PATH_STYLE', 'S3_TIMEOUT']);

/** Reads the environment into a config-shaped overlay; bad values are reported by variable name. */
export function readEnvironment(env: NodeJS.ProcessEnv): { values: PlainObject; problems: string[] } {
  let values: PlainObject = {};
  const problems: string[] = [];
  const hasBucket = Boolean(env.S3_BUCKET_NAME);
  for (const variable of ENVIRONMENT_VARIABLES) {
    const raw = env[variable.name];
    if (raw === undefined || raw === '') continue;
    const parsed = convert(raw, variable.kind);
    // A malformed value is reported even when it would be ignored: it is surely a mistake.
    if (parsed.error) problems.push(`${variable.name} (environment): ${parsed.error}`);
    // AWS_REGION is commonly set for other tools; it only configures S3 when a bucket is set.
    else if (NEEDS_BUCKET.has(variable.name) && !hasBucket) continue;
    else values = deepMerge(values, nest(variable.path, parsed.value));
  }
  return { values, problems };
}

function convert(raw: string, kind: Kind): { value?: unknown; error?: string } {
  switch (kind) {
    case 'string':
      return { value: raw };
    case 'list':
      return {
        value: raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      };
    case 'number': {
      const value = Number(raw);
      return Number.isFinite(value) ? { value } : { error: `must be a number, got "${raw}"` };
    }
    case 'boolean':
      if (/^(true|1|yes)$/i.test(raw)) return { value: true };
      if (/^(false|0|no)$/i.test(raw)) return { value: false };
      return { error: `must be true or false, got "${raw}"` };
  }
}
