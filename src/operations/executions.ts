import type { Database } from '../db/database.js';
import { migrateTracking } from '../migrations/migrate.js';
import type { ExecutionDocument } from '../tracking/execution-document.js';
import { ExecutionTracker } from '../tracking/executions.js';

/**
 * Reading the ledger (`history`, `show`, the API's list and get). The tracking table is created
 * when missing, so a fresh database answers "nothing recorded" instead of an error.
 */
export async function listExecutions(
  database: Database,
  page: { skip: number; limit: number },
): Promise<{ items: ExecutionDocument[]; total: number }> {
  await migrateTracking(database);
  return new ExecutionTracker(database).list(page.skip, page.limit);
}

export async function getExecution(database: Database, id: number): Promise<ExecutionDocument | null> {
  await migrateTracking(database);
  return new ExecutionTracker(database).get(id);
}
