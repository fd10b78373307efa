import * as z from 'zod';

/** Request bodies, query strings and path parameters of the API, parsed once at the edge. */

export const loginBody = z.strictObject({
  email: z.string().trim().min(1, 'required'),
  password: z.string().min(1, 'required'),
});

export const passwordChangeBody = z.strictObject({
  current_password: z.string().min(1, 'required'),
  new_password: z.string(),
});

export const executeBody = z.strictObject({
  create_backup: z.boolean().default(true),
});

export const resetBody = z.strictObject({
  create_backup: z.boolean().default(true),
  /** Also empty tables whose rows reference the reset tables (TRUNCATE … CASCADE). */
  cascade: z.boolean().default(false),
});

export const restoreBody = z
  .strictObject({
    s3_key: z.string().min(1, 'must not be empty').optional(),
    execution_id: z.number().int().positive().optional(),
    /** The safety backup taken before the restore (`rollback <this execution>` undoes it). */
    create_backup: z.boolean().default(true),
  })
  .refine((body) => body.s3_key === undefined || body.execution_id === undefined, {
    message: 'give s3_key or execution_id, not both ({} restores the latest backup)',
  });

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

export const listQuery = z.object({
  skip: wholeNumber(0, Number.MAX_SAFE_INTEGER).default(0),
  limit: wholeNumber(1, 500).default(50),
});

/** Backups are read from the store (manifests fetched one by one): smaller pages than executions. */
export const backupsQuery = z.object({
  skip: wholeNumber(0, Number.MAX_SAFE_INTEGER).default(0),
  limit: wholeNumber(1, 100).default(50),
});

export const backupBody = z.strictObject({});

export const executionIdParam = z.object({ id: wholeNumber(1, 2_147_483_647) });

export type RestoreBody = z.output<typeof restoreBody>;
