import * as z from 'zod';
import {
  backupBody,
  backupsQuery,
  executeBody,
  executionIdParam,
  listQuery,
  loginBody,
  passwordChangeBody,
  resetBody,
  restoreBody,
} from '../schemas.js';
import {
  backupResponse,
  backupsResponse,
  detailResponse,
  executionResponse,
  executionsResponse,
  healthResponse,
  loginResponse,
  meResponse,
  restoreResponse,
  runResponse,
} from './responses.js';

/** Who may call a route: anyone, any signed-in user, or holders of a permission. */
type Access = 'public' | 'signed-in' | 'seeders:read' | 'seeders:execute';

/** One endpoint as the OpenAPI document describes it, with the zod schemas the route parses. */
export interface DocumentedRoute {
  method: 'get' | 'post';
  /** OpenAPI form: `{id}` for a path parameter. */
  path: string;
  summary: string;
  access: Access;
  body?: z.ZodType;
  query?: z.ZodObject;
  params?: z.ZodObject;
  /** The 200 answer: a component name and its schema. */
  ok: { name: string; schema: z.ZodType; description: string };
  /** Statuses beyond those the route's shape implies (400, 401, 403, 413, 500 are added). */
  errors: readonly number[];
}

const RUN_ERRORS = [404, 409, 422, 503] as const;

/** Every endpoint the app serves (test/server-openapi.test.ts checks the app against this list). */
export const ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'get',
    path: '/health',
    summary: 'Whether the database is reachable and migrated (503 with the same shape when not)',
    access: 'public',
    ok: { name: 'Health', schema: healthResponse, description: 'The database is reachable and migrated.' },
    errors: [503],
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    access: 'public',
    ok: { name: 'OpenApiDocument', schema: z.looseObject({}), description: 'The OpenAPI 3.1 document.' },
    errors: [],
  },
  {
    method: 'post',
    path: '/api/v1/auth/login',
    summary: 'Exchange an email and password for a bearer token',
    access: 'public',
    body: loginBody,
    ok: { name: 'Token', schema: loginResponse, description: 'A bearer token.' },
    errors: [401, 429, 503],
  },
  {
    method: 'post',
    path: '/api/v1/auth/password/change',
    summary: "Change the caller's password; every earlier token stops working",
    access: 'signed-in',
    body: passwordChangeBody,
    ok: { name: 'Detail', schema: detailResponse, description: 'The password was changed.' },
    errors: [429, 503],
  },
  {
    method: 'get',
    path: '/api/v1/auth/me',
    summary: 'Who the token belongs to, their roles and permissions',
    access: 'signed-in',
    ok: { name: 'Me', schema: meResponse, description: 'The signed-in user.' },
    errors: [503],
  },
  {
    method: 'post',
    path: '/api/v1/seeders/execute',
    summary: 'Run every seeder (after a backup unless create_backup is false)',
    access: 'seeders:execute',
    body: executeBody,
    ok: { name: 'RunResult', schema: runResponse, description: 'The `run --json` document.' },
    errors: RUN_ERRORS,
  },
  {
    method: 'post',
    path: '/api/v1/seeders/reset',
    summary: 'Empty the seeded tables and seed them again',
    access: 'seeders:execute',
    body: resetBody,
    ok: { name: 'RunResult', schema: runResponse, description: 'The `run --json` document (command reset).' },
    errors: RUN_ERRORS,
  },
  {
    method: 'post',
    path: '/api/v1/seeders/restore',
    summary: 'Restore the latest backup, a key, or the backup an execution took',
    access: 'seeders:execute',
    body: restoreBody,
    ok: { name: 'RestoreResult', schema: restoreResponse, description: 'The restore.' },
    errors: RUN_ERRORS,
  },
  {
    method: 'post',
    path: '/api/v1/seeders/backup',
    summary: 'Take a backup only (recorded as execution `backup`)',
    access: 'seeders:execute',
    body: backupBody,
    ok: { name: 'BackupResult', schema: backupResponse, description: 'The backup taken.' },
    errors: [409, 503],
  },
  {
    method: 'get',
    path: '/api/v1/seeders/backups',
    summary: 'Complete backups in the configured store, newest first',
    access: 'seeders:read',
    query: backupsQuery,
    ok: { name: 'BackupPage', schema: backupsResponse, description: 'A page of backups.' },
    errors: [503],
  },
  {
    method: 'get',
    path: '/api/v1/seeders',
    summary: 'Recorded executions, newest first',
    access: 'seeders:read',
    query: listQuery,
    ok: { name: 'ExecutionPage', schema: executionsResponse, description: 'A page of executions.' },
    errors: [503],
  },
  {
    method: 'get',
    path: '/api/v1/seeders/{id}',
    summary: 'One execution',
    access: 'seeders:read',
    params: executionIdParam,
    ok: { name: 'Execution', schema: executionResponse, description: 'The execution.' },
    errors: [404, 503],
  },
];
