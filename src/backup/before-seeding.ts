import type { Config } from '../config/schema.js';
import type { Database } from '../db/database.js';
import type { Output } from '../cli/output.js';
import type { PreSeedOutcome } from '../seeding/run-seeders.js';

export interface BackupBeforeSeeding {
  config: Config;
  database: Database;
  executionId: number;
  enabled: boolean;
  required: boolean;
  out: Output;
}

/** The backup `run` takes before seeding (replaced by the backup module). */
export async function backupBeforeSeeding(_request: BackupBeforeSeeding): Promise<PreSeedOutcome> {
  return { backupCreated: false, backupKey: null, warnings: [] };
}
