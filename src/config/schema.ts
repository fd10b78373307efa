import * as z from 'zod';
import { AGE_FORMAT, parseAge } from '../backup/age.js';
import { DEFAULT_BACKUP_PREFIX } from '../backup/keys.js';

// zod compiles a parser per object schema on its first parse; a command parses each schema once or
// twice, so compiling costs more than it saves.
z.config({ jitless: true });

const postgresUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'must be a postgres:// or postgresql:// URL with a host, e.g. postgres://user:pass@host:5432/db');

const identifier = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/,
    'must be a plain PostgreSQL identifier (letters, digits, _; at most 63 chars)',
  );

const seconds = z.number().min(0, 'must be ≥ 0 seconds');

const sslSchema = z.union([
  z.boolean(),
  z
    .object({
      ca: z.string().min(1).optional().describe('path to a CA certificate file (PEM)'),
      rejectUnauthorized: z.boolean().default(true),
    })
    .strict(),
]);

const databaseSchema = z
  .object({
    url: postgresUrl.optional(),
    schema: identifier.default('public'),
    poolSize: z
      .number()
      .int()
      .min(2, 'must be at least 2 (one session holds the run lock)')
      .max(100)
      .default(5),
    statementTimeout: seconds.default(0),
    ssl: sslSchema.optional(),
    embedded: z
      .object({ dir: z.string().min(1).default('./.foodfleet-seed/db') })
      .strict()
      .default({ dir: './.foodfleet-seed/db' }),
  })
  .strict();

const s3Schema = z
  .object({
    bucket: z.string().min(3).max(63),
    region: z.string().min(1).default('us-east-1'),
    prefix: z.string().optional().describe('default: backup.prefix'),
    endpoint: z.url().optional(),
    forcePathStyle: z.boolean().default(false),
    sse: z.enum(['AES256', 'aws:kms']).optional(),
    kmsKeyId: z.string().min(1).optional(),
    checksums: z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED']).optional(),
    timeout: z.number().positive().default(60),
    partSizeMb: z.number().int().min(5).max(5120).default(16),
  })
  .strict();

const backupSchema = z
  .object({
    enabled: z.boolean().default(true),
    dir: z.string().min(1).default('./.foodfleet-seed/backups'),
    prefix: z.string().default(DEFAULT_BACKUP_PREFIX),
    include: z.array(identifier).optional(),
    exclude: z.array(identifier).default([]),
    compressionLevel: z.number().int().min(1).max(9).default(1),
    s3: s3Schema.optional(),
  })
  .strict();

const count = (min: number) => z.number().int().min(min, `must be a whole number ≥ ${min}`);

/** Failed password checks (login and password change), counted in PostgreSQL across replicas. */
const loginThrottleSchema = z
  .object({
    maxFailures: count(1).default(5).describe('per account and client address, within the window'),
    maxFailuresPerAddress: count(1).default(20).describe('per client address, any account'),
    slowdownAfter: count(0).default(10).describe('per account, from all addresses: then each attempt waits'),
    slowdownSeconds: z.number().min(0).max(30).default(1),
    windowSeconds: count(1).default(900),
    maxEntries: count(100).default(10_000),
    maxChecksPerAddress: count(1).default(2).describe('password checks in flight per client address'),
  })
  .strict();

/** What `serve` prunes after each scheduled backup: `backups prune --keep N / --older-than AGE`. */
const backupRetentionSchema = z
  .object({
    keep: count(1).optional().describe('keep the newest N complete backups'),
    olderThan: z
      .string()
      .refine((text) => parseAge(text) !== null, `must be ${AGE_FORMAT}`)
      .optional()
      .describe('delete complete backups older than this'),
  })
  .strict();

const serverSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8000),
    tokenSecret: z.string().min(32, 'must be at least 32 characters').optional(),
    tokenLifetime: z.number().int().positive().default(3600),
    lockTimeout: seconds.default(0),
    // One cost for every hash, the dummy one included: a login's duration says nothing about the email.
    bcryptCost: z.number().int().min(4).max(15).default(12),
    // Under Kubernetes' default 30 s termination grace, so a cancelled run rolls back before SIGKILL.
    shutdownTimeout: seconds.default(25),
    // Behind reverse proxies every client has the proxy's address: trust that many X-Forwarded-For
    // hops (true = 1, one proxy).
    trustProxy: z
      .union([z.boolean(), z.number().int().min(0).max(16)])
      .default(false)
      .transform((value) => (value === true ? 1 : value === false ? 0 : value)),
    loginThrottle: loginThrottleSchema.default(loginThrottleSchema.parse({})),
    // Checked by `serve` with the cron library at start-up: every other command stays without it.
    backupSchedule: z
      .string()
      .trim()
      .min(1, 'must be a cron expression (5 or 6 fields, UTC)')
      .optional()
      .describe('cron expression (UTC): serve takes a backup on it'),
    backupRetention: backupRetentionSchema.optional(),
  })
  .strict();

// CloudWatch's own naming rules, checked here so a typo fails at start-up rather than at the first flush.
const cloudwatchSchema = z
  .object({
    logGroup: z
      .string({ error: 'required when logging.cloudwatch is set (env CLOUDWATCH_LOG_GROUP)' })
      .regex(/^[.\-_/#A-Za-z0-9]{1,512}$/, 'must be 1–512 of: letters, digits, _ - / . #'),
    logStream: z
      .string()
      .regex(/^[^:*]{1,512}$/, 'must be 1–512 characters without ":" or "*"')
      .optional()
      .describe('default: <hostname>-<pid>-<start time>'),
    region: z.string().min(1).optional().describe('default: AWS_REGION / the AWS profile'),
    endpoint: z.url().optional(),
  })
  .strict();

const loggingSchema = z.object({ cloudwatch: cloudwatchSchema.optional() }).strict();

/** The whole configuration after file, environment and flags are merged. */
export const configSchema = z
  .object({
    $schema: z.string().optional(),
    environment: z.string().min(1).default('development'),
    database: databaseSchema.default(databaseSchema.parse({})),
    seeders: z
      .object({ dir: z.string().min(1).default('./seeders') })
      .strict()
      .default({ dir: './seeders' }),
    superadmin: z
      .object({
        email: z.email().default('admin@foodfleet.com'),
        password: z
          .string()
          .min(8, 'must be at least 8 characters')
          .refine(
            (value) => Buffer.byteLength(value, 'utf8') <= 72,
            'must be at most 72 bytes in UTF-8 (bcrypt ignores the rest)',
          )
          .optional(),
      })
      .strict()
      .default({ email: 'admin@foodfleet.com' }),
    lockTimeout: seconds.default(30),
    logFormat: z.enum(['text', 'json']).default('text'),
    logging: loggingSchema.default({}),
    backup: backupSchema.default(backupSchema.parse({})),
    server: serverSchema.default(serverSchema.parse({})),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type CloudWatchConfig = z.infer<typeof cloudwatchSchema>;
