import type { BackupEvents } from '../take-backup.js';

/** Backup progress listeners, or a factory for them once the execution id is known (the CLI's reporter needs it). */
export type BackupEventsSource =
  | BackupEvents
  | ((executionId: number) => BackupEvents | Promise<BackupEvents>);

export async function backupEventsFor(
  source: BackupEventsSource | undefined,
  executionId: number,
): Promise<BackupEvents | undefined> {
  return typeof source === 'function' ? source(executionId) : source;
}
