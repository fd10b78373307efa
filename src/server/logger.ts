/** One finished HTTP request, as the request log records it (never the body or a header). */
interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  user_id: number | null;
}

/**
 * Where the server writes what it does. `event` names the line for `--log-format json`
 * (CloudWatch and other pipelines); `message` is the text form. Both are masked by the sink.
 */
export interface ServerLogger {
  request(entry: RequestLogEntry): void;
  info(event: string, message: string, fields?: Record<string, unknown>): void;
  warn(event: string, message: string, fields?: Record<string, unknown>): void;
  error(event: string, message: string, fields?: Record<string, unknown>): void;
}
