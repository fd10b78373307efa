import type { EventSink, OperationEvent } from '../operations/events.js';
import { isProgress } from '../operations/events.js';
import { formatBytes } from './format.js';
import type { Output } from './output.js';

type Spinner = {
  text: string;
  isSpinning: boolean;
  start(text?: string): Spinner;
  succeed(text?: string): Spinner;
  fail(text?: string): Spinner;
};
type MakeSpinner = (text: string) => Spinner;

/**
 * Renders operations' events for a person or a pipeline: one JSON event per line with
 * `--log-format json` (what CloudWatch and other pipelines ingest), an ora spinner per step on an
 * interactive terminal, plain lines otherwise.
 */
export async function terminalEvents(out: Output): Promise<EventSink> {
  // A pseudo-terminal without a width (some CI runners) would make ora redraw an ever-growing block.
  const width = (out.stderr as { columns?: number }).columns ?? 0;
  const ora = out.interactive && width > 0 ? (await import('ora')).default : null;
  const spin: MakeSpinner | null = ora ? (text) => ora({ text, stream: out.stderr }) as Spinner : null;
  const draw = textRenderer(out, spin);
  return (event) => {
    if (event.event === 'warning') return out.warn(event.message);
    if (out.logFormat === 'json') {
      if (isProgress(event)) return;
      const { event: name, ...fields } = event;
      return out.event(name, fields);
    }
    draw(event);
  };
}

function textRenderer(out: Output, spin: MakeSpinner | null): (event: OperationEvent) => void {
  let seeder: Spinner | null = null;
  let backup: Spinner | null = null;
  let restore: Spinner | null = null;
  let lastDraw = 0;
  const throttled = () => {
    if (Date.now() - lastDraw < 100) return true;
    lastDraw = Date.now();
    return false;
  };
  return (event) => {
    switch (event.event) {
      case 'seeder_started':
        if (spin) seeder = spin(event.seeder).start();
        else out.info(`→ ${event.seeder} …`);
        return;
      case 'seeder_completed': {
        const text = `${event.seeder}: ${event.created} created, ${event.updated} updated, ${event.deleted} deleted (${event.duration_ms} ms)`;
        if (seeder) seeder.succeed(text);
        else out.info(`✓ ${text}`);
        seeder = null;
        return;
      }
      case 'seeder_failed': {
        const text = `${event.seeder} failed: ${out.redact(event.error)}`;
        if (seeder) seeder.fail(text);
        else out.info(`✗ ${text}`);
        out.stack(event.stack);
        seeder = null;
        return;
      }
      case 'backup_started':
        backup = spin ? spin('Backing up…').start(`Backing up to ${event.key}…`) : null;
        return;
      case 'backup_progress':
        if (!backup || throttled()) return;
        backup.text = `Backing up ${event.table}: ${rowCount(event.rows)} rows, ${formatBytes(event.bytes)} written`;
        return;
      case 'backup_completed': {
        const rows = Object.values(event.tables).reduce((sum, n) => sum + n, 0);
        const text = `Backup ${event.key}: ${Object.keys(event.tables).length} tables, ${rowCount(rows)} rows, ${formatBytes(event.size)}`;
        if (backup) backup.succeed(text);
        else out.info(text);
        backup = null;
        return;
      }
      case 'backup_failed':
        backup?.fail('Backup failed');
        backup = null;
        out.stack(event.stack);
        return;
      case 'restore_started':
        // The spinner starts with the load: the safety backup before it shows its own.
        out.info(`→ ${event.command} of ${event.key} (execution #${event.execution_id}) …`);
        return;
      case 'restore_progress': {
        if (!spin || throttled()) return;
        const text = `Restoring ${event.table}: ${rowCount(event.rows)} rows (${formatBytes(event.bytes)} of the backup read)`;
        if (restore?.isSpinning) restore.text = text;
        else restore = spin('Restoring…').start(text);
        return;
      }
      case 'restore_completed': {
        const rows = Object.values(event.tables).reduce((sum, n) => sum + n, 0);
        const text = `${event.key}: ${Object.keys(event.tables).length} tables, ${rowCount(rows)} rows restored (${event.duration_ms} ms)`;
        if (restore?.isSpinning) restore.succeed(text);
        else out.info(`✓ ${text}`);
        restore = null;
        return;
      }
      case 'restore_failed':
        if (restore?.isSpinning) restore.fail(`${event.command} of ${event.key} failed`);
        restore = null;
        out.stack(event.stack);
        return;
      case 'warning':
        out.warn(event.message);
        return;
    }
  };
}

function rowCount(rows: number): string {
  return rows.toLocaleString('en-US');
}
