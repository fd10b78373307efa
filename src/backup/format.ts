import * as z from 'zod/mini';
import '../util/zod-config.js';

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

const identifier = z.string().check(z.minLength(1), z.maxLength(63));
const count = z.int().check(z.nonnegative());

const columnSchema = z.strictObject({
  name: identifier,
  /** `format_type()` of the column, e.g. `numeric(10,2)`, `text[]`, `public.mpaa_rating`. */
  type: z.string().check(z.minLength(1)),
  not_null: z.boolean(),
  has_default: z.boolean(),
});

const sequenceSchema = z.strictObject({
  /** Schema-qualified sequence name as `regclass` text. */
  name: z.string().check(z.minLength(1)),
  table: z.nullable(identifier),
  column: z.nullable(identifier),
  last_value: z.string().check(z.regex(/^-?\d+$/)),
  is_called: z.boolean(),
});

export const metadataSchema = z.strictObject({
  format_version: z.literal(FORMAT_VERSION),
  tool_version: z.string(),
  created_at: z.string(),
  execution_id: z.nullable(z.int()),
  server_version: z.string(),
  schema: identifier,
  /** Tables in the order they appear in the document, each with its columns. */
  tables: z.array(z.strictObject({ name: identifier, columns: z.array(columnSchema).check(z.minLength(1)) })),
  sequences: z.array(sequenceSchema),
});

export const manifestSchema = z.strictObject({
  format_version: z.literal(FORMAT_VERSION),
  key: z.string().check(z.minLength(1)),
  created_at: z.string(),
  execution_id: z.nullable(z.int()),
  /** Command that took it: run | backup | reset | restore (a restore's safety backup). */
  taken_by: z.enum(['run', 'backup', 'reset', 'restore', 'rollback']),
  /** Schema the backup was taken from: "latest" is chosen among the live schema's backups. */
  schema: z.optional(identifier),
  /**
   * Identity of the database it was taken from (src/tracking/database-identity.ts): "latest" and
   * `rollback` pick only this database's own backups. Absent in backups taken before it existed.
   */
  database_id: z.optional(z.uuid()),
  /** That database's name when the backup was taken, for people reading a listing. */
  database_name: z.optional(z.string().check(z.minLength(1), z.maxLength(63))),
  size: count,
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  uncompressed_size: count,
  tables: z.record(z.string(), count),
});

export type BackupMetadata = z.infer<typeof metadataSchema>;
export type BackupManifest = z.infer<typeof manifestSchema>;
export type ColumnInfo = z.infer<typeof columnSchema>;
