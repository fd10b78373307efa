import { FORMAT_VERSION, metadataSchema, type BackupMetadata } from '../format.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { packageVersion } from '../../package-root.js';

export interface MetadataInput {
  snapshot: Snapshot;
  schema: string;
  executionId: number | null;
  createdAt: Date;
}

/** The reserved first entry of a backup: what a restore validates before its first write. */
export function buildMetadata(input: MetadataInput): BackupMetadata {
  const metadata: BackupMetadata = {
    format_version: FORMAT_VERSION,
    tool_version: packageVersion(),
    created_at: input.createdAt.toISOString(),
    execution_id: input.executionId,
    server_version: input.snapshot.serverVersion,
    schema: input.schema,
    tables: input.snapshot.tables.map((table) => ({
      name: table.name,
      columns: table.columns.map(({ name, type, not_null, has_default }) => ({
        name,
        type,
        not_null,
        has_default,
      })),
    })),
    sequences: [...input.snapshot.sequences],
  };
  // Writing something the restore side would refuse is a bug: fail the backup instead.
  return metadataSchema.parse(metadata);
}
