import * as z from 'zod';

/**
 * The backup format (version 1): gzip of ONE JSON document whose first entry is the reserved
 * metadata key, followed by each table's rows under the table's name, as in the guide:
 *
 *   {"__foodfleet_seed__": {…metadata…},
 *    "permissions": [{"id": "1", "name": "users:create", …}, …],
 *    …}
 *
 * Every value is PostgreSQL's own text form of the value in a JSON string (SQL NULL is JSON
 * null): lossless by construction, never reinterpreted by JavaScript, exactly what COPY FROM
 * takes back. A manifest object `<key>.manifest.json` is written after the object is complete;
 * a backup without a valid manifest is incomplete and never listed or chosen.
 */
export const FORMAT_VERSION = 1;
export const METADATA_KEY = '__foodfleet_seed__';
export const MANIFEST_SUFFIX = '.manifest.json';

const identifier = z.string().min(1).max(63);

const columnSchema = z
  .object({
    name: identifier,
    /** `format_type()` of the column, e.g. `numeric(10,2)`, `text[]`, `public.mpaa_rating`. */
    type: z.string().min(1),
    not_null: z.boolean(),
    has_default: z.boolean(),
  })
  .strict();

const sequenceSchema = z
  .object({
    /** Schema-qualified sequence name as `regclass` text. */
    name: z.string().min(1),
    table: identifier.nullable(),
    column: identifier.nullable(),
    last_value: z.string().regex(/^-?\d+$/),
    is_called: z.boolean(),
  })
  .strict();

export const metadataSchema = z
  .object({
    format_version: z.literal(FORMAT_VERSION),
    tool_version: z.string(),
    created_at: z.string(),
    execution_id: z.number().int().nullable(),
    server_version: z.string(),
    schema: identifier,
    /** Tables in the order they appear in the document, each with its columns. */
    tables: z.array(z.object({ name: identifier, columns: z.array(columnSchema).min(1) }).strict()),
    sequences: z.array(sequenceSchema),
  })
  .strict();

export const manifestSchema = z
  .object({
    format_version: z.literal(FORMAT_VERSION),
    key: z.string().min(1),
    created_at: z.string(),
    execution_id: z.number().int().nullable(),
    /** Command that took it: run | backup | reset | restore (a restore's safety backup). */
    taken_by: z.enum(['run', 'backup', 'reset', 'restore', 'rollback']),
    /** Schema the backup was taken from: "latest" is chosen among the live schema's backups. */
    schema: identifier.optional(),
    /**
     * Identity of the database it was taken from (src/tracking/database-identity.ts): "latest" and
     * `rollback` pick only this database's own backups. Absent in backups taken before it existed.
     */
    database_id: z.string().uuid().optional(),
    /** That database's name when the backup was taken, for people reading a listing. */
    database_name: z.string().min(1).max(63).optional(),
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    uncompressed_size: z.number().int().nonnegative(),
    tables: z.record(z.string(), z.number().int().nonnegative()),
  })
  .strict();

export type BackupMetadata = z.infer<typeof metadataSchema>;
export type BackupManifest = z.infer<typeof manifestSchema>;
export type ColumnInfo = z.infer<typeof columnSchema>;
