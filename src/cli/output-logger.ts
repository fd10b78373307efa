import { escapeControl, indentContinuation } from '../server/log-text.js';
import type { ServerLogger } from '../server/logger.js';
import type { Output } from './output.js';

/**
 * The server's log through the CLI's Output: masked lines on stderr, or one JSON event per line
 * with `--log-format json`. Text lines escape what a request controls (see log-text.ts).
 */
export function outputLogger(out: Output): ServerLogger {
  const emit = (
    level: 'info' | 'warn' | 'error',
    event: string,
    message: string,
    fields: Record<string, unknown> = {},
  ) => {
    // The JSON event also reaches log sinks (CloudWatch) in text mode; out.info is silent under json.
    out.event(event, { level, message, ...fields });
    if (out.logFormat === 'json') return;
    if (level === 'warn') out.info(indentContinuation(`Warning: ${message}`));
    else out.info(indentContinuation(level === 'error' ? `Error: ${message}` : message));
  };
  return {
    request(entry) {
      out.event('request', { ...entry });
      if (out.logFormat === 'text')
        out.info(
          `${escapeControl(entry.method)} ${escapeControl(entry.path)} ${entry.status} ${entry.duration_ms} ms${entry.user_id === null ? '' : ` user=${entry.user_id}`}`,
        );
    },
    info: (event, message, fields) => emit('info', event, message, fields),
    warn: (event, message, fields) => emit('warn', event, message, fields),
    error: (event, message, fields) => emit('error', event, message, fields),
  };
}
