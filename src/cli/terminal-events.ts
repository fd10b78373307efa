import type { EventSink, OperationEvent } from '../operations/events.js';
import { isProgress } from '../operations/events.js';
import { formatBytes, formatCount } from './format.js';
import type { Output } from './output.js';
import { formatProgress, progressFigures } from './progress-format.js';

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
    // The JSON event goes to stderr under --log-format json and to any log sink (CloudWatch) either way.
    if (!isProgress(event)) {
      const { event: name, ...fields } = event;
      out.event(name, fields);
    }
    if (out.logFormat === 'text') draw(event);
  };
}

function textRenderer(out: Output, spin: MakeSpinner | null): (event: OperationEvent) => void {
  let seeder: Spinner | null = null;
  let backup: Spinner | null = null;
  let restore: Spinner | null = null;
  // Every report goes through these (drawn or not), so rows of finished tables are counted.
  let backupFigures = progressFigures({ estimated: true, bytesVerb: 'written' });
  let restoreFigures = progressFigures({ estimated: false, bytesVerb: 'read' });
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
        backupFigures = progressFigures({ estimated: true, bytesVerb: 'written' });
        return;
      case 'backup_progress': {
        const { table, rows, bytes, estimated_rows, total_rows } = event;
        const figures = backupFigures({
          table,
          rows,
          bytes,
          tableRows: estimated_rows,
          totalRows: total_rows,
        });
        // The first report (the document's opening bytes) comes before any table.
        if (!backup || !table || throttled()) return;
        backup.text = `Backing up ${table}: ${formatProgress(figures)}`;
        return;
      }
      case 'backup_completed': {
        const rows = Object.values(event.tables).reduce((sum, n) => sum + n, 0);
        const text = `Backup ${event.key}: ${Object.keys(event.tables).length} tables, ${formatCount(rows)} rows, ${formatBytes(event.size)}`;
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
        restoreFigures = progressFigures({ estimated: false, bytesVerb: 'read' });
        return;
      case 'restore_progress': {
        const { table, rows, bytes, expected_rows, total_rows } = event;
        const figures = restoreFigures({
          table,
          rows,
          bytes,
          tableRows: expected_rows,
          totalRows: total_rows,
        });
        if (!spin || throttled()) return;
        const text = `Restoring ${table}: ${formatProgress(figures)}`;
        if (restore?.isSpinning) restore.text = text;
        else restore = spin('Restoring…').start(text);
        return;
      }
      case 'restore_completed': {
        const rows = Object.values(event.tables).reduce((sum, n) => sum + n, 0);
        const text = `${event.key}: ${Object.keys(event.tables).length} tables, ${formatCount(rows)} rows restored (${event.duration_ms} ms)`;
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
