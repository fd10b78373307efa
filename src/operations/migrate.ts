import type { Database } from '../db/database.js';
import { LockedError } from '../errors.js';
import { migrateAll } from '../migrations/migrate.js';

export interface MigrateResult {
  success: true;
  applied: string[];
}

/** `migrate`: creates the FoodFleet and tracking tables if missing, under the run lock. */
export async function migrateOperation(deps: {
  database: Database;
  lockTimeoutSeconds: number;
  signal?: AbortSignal;
}): Promise<MigrateResult> {
  const release = await deps.database.acquireRunLock(deps.lockTimeoutSeconds * 1000, deps.signal);
  if (!release) {
    throw new LockedError(
      `Another run holds the lock; waited ${deps.lockTimeoutSeconds}s. Nothing was changed. Retry when it has finished.`,
    );
  }
  try {
    return { success: true, applied: (await migrateAll(deps.database)).applied };
  } finally {
    await release();
  }
}
