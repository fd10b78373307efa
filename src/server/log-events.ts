import type { EventSink, OperationEvent } from '../operations/events.js';
import type { ServerLogger } from './logger.js';

/** Operations' events as server log lines: the same fields as the CLI's JSON events, plus a message. */
export function logEvents(logger: ServerLogger): EventSink {
  return (event) => {
    const line = describe(event);
    if (!line) return;
    const { event: name, ...fields } = event;
    if (name === 'warning') logger.warn(name, line.message);
    else logger[line.level](name, line.message, fields);
  };
}

/** The text form of each event; per-table progress is too chatty for a log. */
function describe(event: OperationEvent): { level: 'info' | 'error'; message: string } | null {
  switch (event.event) {
    case 'seeder_started':
      return info(`→ ${event.seeder} … (execution #${event.execution_id})`);
    case 'seeder_completed':
      return info(
        `✓ ${event.seeder}: ${event.created} created, ${event.updated} updated, ${event.deleted} deleted (${event.duration_ms} ms)`,
      );
    case 'seeder_failed':
      return { level: 'error', message: `✗ ${event.seeder} failed: ${event.error}` };
    case 'backup_started':
      return info(`Backing up to ${event.key} (execution #${event.execution_id})…`);
    case 'backup_completed':
      return info(`Backup ${event.key}: ${Object.keys(event.tables).length} tables, ${event.size} bytes.`);
    case 'backup_failed':
      return { level: 'error', message: `Backup failed: ${event.error}` };
    case 'restore_started':
      return info(`Restoring ${event.key} (execution #${event.execution_id}, ${event.command})…`);
    case 'restore_completed':
      return info(
        `Restored ${event.key}: ${Object.keys(event.tables).length} tables (${event.duration_ms} ms).`,
      );
    case 'restore_failed':
      return { level: 'error', message: `Restore of ${event.key} failed: ${event.error}` };
    case 'warning':
      return info(event.message);
    case 'backup_progress':
    case 'restore_progress':
      return null;
  }
}

function info(message: string): { level: 'info'; message: string } {
  return { level: 'info', message };
}
