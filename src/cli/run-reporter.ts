import type { Output } from './output.js';
import type { RunEvents } from '../seeding/run-events.js';

type Spinner = {
  start(text?: string): Spinner;
  succeed(text?: string): Spinner;
  fail(text?: string): Spinner;
};

/**
 * Renders run progress: an ora spinner per seeder on a terminal, plain lines otherwise, and one
 * JSON event per line with `--log-format json` (what CloudWatch and other pipelines ingest).
 */
export async function createRunReporter(out: Output): Promise<RunEvents> {
  const ora = out.interactive ? (await import('ora')).default : null;
  let spinner: Spinner | null = null;
  return {
    seederStarted({ executionId, seeder }) {
      out.event('seeder_started', { execution_id: executionId, seeder });
      if (ora) spinner = ora({ text: seeder, stream: process.stderr }).start() as Spinner;
      else out.info(`→ ${seeder} …`);
    },
    seederCompleted({ executionId, seeder, created, updated, deleted, durationMs }) {
      out.event('seeder_completed', {
        execution_id: executionId,
        seeder,
        created,
        updated,
        deleted,
        duration_ms: durationMs,
      });
      const text = `${seeder}: ${created} created, ${updated} updated, ${deleted} deleted (${durationMs} ms)`;
      if (spinner) spinner.succeed(text);
      else out.info(`✓ ${text}`);
      spinner = null;
    },
    seederFailed({ executionId, seeder, error }) {
      out.event('seeder_failed', { execution_id: executionId, seeder, error });
      const text = `${seeder} failed: ${out.redact(error)}`;
      if (spinner) spinner.fail(text);
      else out.info(`✗ ${text}`);
      spinner = null;
    },
    warning(message) {
      out.warn(message);
    },
  };
}
