import { AGE_FORMAT, parseAge } from '../backup/age.js';
import { DEFAULT_BACKUP_PREFIX } from '../backup/keys.js';
import * as z from 'zod/mini';
import '../util/zod-config.js';

const postgresUrl = z.string().check(
  z.refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be a postgres:// or postgresql:// URL with a host, e.g. postgres://user:pass@host:5432/db'),
);

const identifier = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/,
      'must be a plain PostgreSQL identifier (letters, digits, _; at most 63 chars)',
    ),
  );

const seconds = z.number().check(z.gte(0, 'must be ≥ 0 seconds'));
const text = (min: number) => z.string().check(z.minLength(min));
const int = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));
const count = (min: number) => z.int().check(z.gte(min, `must be a whole number ≥ ${min}`));

const sslSchema = z.union([
  z.boolean(),
  z.strictObject({
    ca: z.optional(text(1)), // path to a CA certificate file (PEM)
    rejectUnauthorized: z._default(z.boolean(), true),
  }),
]);

const databaseSchema = z.strictObject({
  url: z.optional(postgresUrl),
  schema: z._default(identifier, 'public'),
  poolSize: z._default(
    z.int().check(z.gte(2, 'must be at least 2 (one session holds the run lock)'), z.lte(100)),
    5,
  ),
  statementTimeout: z._default(seconds, 0),
  ssl: z.optional(sslSchema),
  embedded: z._default(z.strictObject({ dir: z._default(text(1), './.foodfleet-seed/db') }), {
    dir: './.foodfleet-seed/db',
  }),
});

const s3Schema = z.strictObject({
  bucket: z.string().check(z.minLength(3), z.maxLength(63)),
  region: z._default(text(1), 'us-east-1'),
  prefix: z.optional(z.string()), // default: backup.prefix
  endpoint: z.optional(z.url()),
  forcePathStyle: z._default(z.boolean(), false),
  sse: z.optional(z.enum(['AES256', 'aws:kms'])),
  kmsKeyId: z.optional(text(1)),
  checksums: z.optional(z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED'])),
  timeout: z._default(z.number().check(z.positive()), 60),
  partSizeMb: z._default(int(5, 5120), 16),
});

const backupSchema = z.strictObject({
  enabled: z._default(z.boolean(), true),
  dir: z._default(text(1), './.foodfleet-seed/backups'),
  prefix: z._default(z.string(), DEFAULT_BACKUP_PREFIX),
  include: z.optional(z.array(identifier)),
  exclude: z._default(z.array(identifier), []),
  compressionLevel: z._default(int(1, 9), 1),
  s3: z.optional(s3Schema),
});

/** Failed password checks (login and password change), counted in PostgreSQL across replicas. */
const loginThrottleSchema = z.strictObject({
  maxFailures: z._default(count(1), 5), // per account and client address, within the window
  maxFailuresPerAddress: z._default(count(1), 20), // per client address, any account
  slowdownAfter: z._default(count(0), 10), // per account, from all addresses: then each attempt waits
  slowdownSeconds: z._default(z.number().check(z.gte(0), z.lte(30)), 1),
  windowSeconds: z._default(count(1), 900),
  maxEntries: z._default(count(100), 10_000),
  maxChecksPerAddress: z._default(count(1), 2), // password checks in flight per client address
});

/** What `serve` prunes after each scheduled backup: `backups prune --keep N / --older-than AGE`. */
const backupRetentionSchema = z.strictObject({
  keep: z.optional(count(1)), // keep the newest N complete backups
  // delete complete backups older than this
  olderThan: z.optional(
    z.string().check(z.refine((value) => parseAge(value) !== null, `must be ${AGE_FORMAT}`)),
  ),
});

const serverSchema = z.strictObject({
  host: z._default(text(1), '127.0.0.1'),
  port: z._default(int(0, 65535), 8000),
  tokenSecret: z.optional(z.string().check(z.minLength(32, 'must be at least 32 characters'))),
  tokenLifetime: z._default(z.int().check(z.positive()), 3600),
  lockTimeout: z._default(seconds, 0),
  // One cost for every hash, the dummy one included: a login's duration says nothing about the email.
  bcryptCost: z._default(int(4, 15), 12),
  // Under Kubernetes' default 30 s termination grace, so a cancelled run rolls back before SIGKILL.
  shutdownTimeout: z._default(seconds, 25),
  // Behind reverse proxies every client has the proxy's address: trust that many X-Forwarded-For
  // hops (true = 1, one proxy).
  trustProxy: z.pipe(
    z._default(z.union([z.boolean(), int(0, 16)]), false),
    z.transform((value: boolean | number) => (value === true ? 1 : value === false ? 0 : value)),
  ),
  loginThrottle: z._default(loginThrottleSchema, () => loginThrottleSchema.parse({})),
  // A cron expression (UTC): serve takes a backup on it. Checked by `serve` with the cron library
  // at start-up: every other command stays without it.
  backupSchedule: z.optional(
    z.string().check(z.trim(), z.minLength(1, 'must be a cron expression (5 or 6 fields, UTC)')),
  ),
  backupRetention: z.optional(backupRetentionSchema),
});

// CloudWatch's own naming rules, checked here so a typo fails at start-up rather than at the first flush.
const cloudwatchSchema = z.strictObject({
  logGroup: z
    .string({ error: 'required when logging.cloudwatch is set (env CLOUDWATCH_LOG_GROUP)' })
    .check(z.regex(/^[.\-_/#A-Za-z0-9]{1,512}$/, 'must be 1–512 of: letters, digits, _ - / . #')),
  // default: <hostname>-<pid>-<start time>
  logStream: z.optional(
    z.string().check(z.regex(/^[^:*]{1,512}$/, 'must be 1–512 characters without ":" or "*"')),
  ),
  region: z.optional(text(1)), // default: AWS_REGION / the AWS profile
  endpoint: z.optional(z.url()),
});

const loggingSchema = z.strictObject({ cloudwatch: z.optional(cloudwatchSchema) });

const superadminSchema = z.strictObject({
  email: z._default(z.email(), 'admin@foodfleet.com'),
  password: z.optional(
    z.string().check(
      z.minLength(8, 'must be at least 8 characters'),
      z.refine(
        (value) => Buffer.byteLength(value, 'utf8') <= 72,
        'must be at most 72 bytes in UTF-8 (bcrypt ignores the rest)',
      ),
    ),
  ),
});

/** The whole configuration after file, environment and flags are merged. */
export const configSchema = z.strictObject({
  $schema: z.optional(z.string()),
  environment: z._default(text(1), 'development'),
  database: z._default(databaseSchema, () => databaseSchema.parse({})),
  seeders: z._default(z.strictObject({ dir: z._default(text(1), './seeders') }), { dir: './seeders' }),
  superadmin: z._default(superadminSchema, { email: 'admin@foodfleet.com' }),
  lockTimeout: z._default(seconds, 30),
  logFormat: z._default(z.enum(['text', 'json']), 'text'),
  logging: z._default(loggingSchema, {}),
  backup: z._default(backupSchema, () => backupSchema.parse({})),
  server: z._default(serverSchema, () => serverSchema.parse({})),
});

export type Config = z.infer<typeof configSchema>;
export type CloudWatchConfig = z.infer<typeof cloudwatchSchema>;
