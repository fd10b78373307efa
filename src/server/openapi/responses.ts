import * as z from 'zod';
import type { BackupListItem } from '../../backup/backup-list.js';
import type { RestoreResult } from '../../operations/restore.js';
import type { RunResult } from '../../seeding/run-seeders.js';
import type { ExecutionDocument } from '../../tracking/execution-document.js';
import type { UserProfile } from '../auth/user-store.js';

/**
 * What the API answers, as zod schemas for the OpenAPI document. Each is checked against the
 * TypeScript type the route returns (the `Describes` lines below), so a field added to a result
 * without its schema fails to compile instead of going undocumented.
 */

const counts = z.record(z.string(), z.number().int()).describe('rows per table');

export const errorResponse = z.object({
  detail: z.string().describe('what happened, what was and was not changed, what to do'),
  execution_id: z.number().int().optional().describe('the execution recorded for this request'),
});

export const loginResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int().describe('seconds'),
  warning: z.string().optional().describe('the account uses the published default password'),
});

export const detailResponse = z.object({ detail: z.string() });

export const meResponse = z.object({
  id: z.number().int(),
  email: z.string(),
  username: z.string(),
  roles: z.array(z.string()),
  permissions: z.array(z.string()),
  must_change_password: z
    .boolean()
    .describe('true when this token may only change the password (published default, production)'),
});

const seederResult = z.object({
  status: z.enum(['pending', 'completed', 'failed', 'rolled_back', 'skipped']),
  created: z.number().int(),
  updated: z.number().int(),
  deleted: z.number().int(),
  duration_ms: z.number(),
  error: z.string().optional(),
});

export const runResponse = z.object({
  success: z.literal(true),
  execution_id: z.number().int(),
  dry_run: z.boolean(),
  backup_created: z.boolean(),
  backup_s3_key: z.string().nullable(),
  results: z.object({
    seeders: z.record(z.string(), seederResult),
    total: z.object({ created: z.number().int(), updated: z.number().int(), deleted: z.number().int() }),
    emptied: counts.optional().describe('reset only: rows emptied per table'),
  }),
  warnings: z.array(z.string()),
});

export const restoreResponse = z.object({
  success: z.literal(true),
  execution_id: z.number().int(),
  key: z.string(),
  tables: counts,
  safety_backup_key: z.string().nullable(),
  warnings: z.array(z.string()),
});

export const backupResponse = z.object({
  success: z.literal(true),
  execution_id: z.number().int(),
  key: z.string(),
  size: z.number().int().describe('bytes stored'),
  sha256: z.string(),
  tables: counts,
  warnings: z.array(z.string()),
});

const backupItem = z.object({
  key: z.string(),
  created_at: z.string().describe('ISO 8601'),
  size: z.number().int(),
  execution_id: z.number().int().nullable(),
  taken_by: z.enum(['run', 'backup', 'reset', 'restore', 'rollback']),
  database: z.string().nullable().describe('the backed-up database (null: taken before identities)'),
});

const page = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    total: z.number().int(),
    skip: z.number().int(),
    limit: z.number().int(),
  });

export const backupsResponse = page(backupItem);

const execution = z.object({
  id: z.number().int(),
  command: z.string(),
  status: z.string(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
  triggered_by: z.string(),
  source: z.string().describe('cli, api or schedule'),
  user_id: z.number().int().nullable(),
  options: z.record(z.string(), z.unknown()),
  results: z.unknown(),
  error: z.object({ message: z.string(), stack: z.null() }).nullable(),
  backup: z
    .object({
      key: z.string().nullable(),
      size: z.number().nullable(),
      sha256: z.string().nullable(),
      status: z.string(),
      error: z.string().nullable(),
      tables: counts.nullable(),
    })
    .nullable(),
  restored_key: z.string().nullable(),
});

export const executionResponse = execution;
export const executionsResponse = page(execution);

export const healthResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  database: z.enum(['ok', 'unavailable', 'not_migrated']),
  detail: z.string().optional(),
});

/** Compiles only when every value of `T` is a valid `z.output<S>`. */
type Describes<S extends z.ZodType, T extends z.output<S>> = [S, T];
// biome-ignore lint/correctness/noUnusedVariables: a compile-time check, used by nothing else
type ResponseChecks = [
  Describes<typeof runResponse, RunResult>,
  Describes<typeof restoreResponse, RestoreResult>,
  Describes<typeof meResponse, UserProfile & { must_change_password: boolean }>,
  Describes<typeof backupItem, BackupListItem>,
  Describes<
    typeof execution,
    Omit<ExecutionDocument, 'error'> & { error: { message: string; stack: null } | null }
  >,
];
