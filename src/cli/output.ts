import { createRedactor, type Redactor } from '../config/secrets.js';

/** One event as `--log-format json` writes it: the masked JSON line and its time. */
export interface LogEntry {
  /** Milliseconds since the epoch: the line's `time`. */
  timestamp: number;
  /** The masked JSON line, without the newline. */
  message: string;
}

/** Another destination for JSON events (CloudWatch Logs): must not throw or block. */
export interface LogSink {
  write(entry: LogEntry): void;
  /** Delivers what is still pending; resolves within the sink's own deadline. */
  close(): Promise<void>;
}

export interface OutputOptions {
  json: boolean;
  logFormat: 'text' | 'json';
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** `--verbose`: text mode prints errors' tracebacks. */
  verbose?: boolean;
}

/**
 * Everything the CLI prints goes through here, masked: one JSON document on stdout under
 * `--json`, human text otherwise; progress and warnings on stderr; JSON events with `--log-format json`.
 */
export class Output {
  readonly json: boolean;
  /** `--verbose`: text mode prints errors' tracebacks too (JSON events always carry them). */
  readonly verbose: boolean;
  logFormat: 'text' | 'json';
  /** Interactive terminal on stderr (spinners) and colour allowed. */
  interactive: boolean;
  #redact: Redactor = createRedactor([]);
  readonly #sinks: LogSink[] = [];
  readonly #options: OutputOptions;

  constructor(options: OutputOptions) {
    this.#options = options;
    this.json = options.json;
    this.verbose = options.verbose ?? false;
    this.logFormat = options.logFormat;
    // A pseudo-terminal reporting 0 columns makes ora's clear() loop forever: treat it as no terminal.
    this.interactive =
      Boolean(options.stderr.isTTY) &&
      Boolean((options.stderr as { columns?: number }).columns) &&
      !options.env.NO_COLOR &&
      options.env.TERM !== 'dumb' &&
      options.logFormat === 'text';
  }

  /** Applies `logFormat` from the config file once it is loaded. */
  setLogFormat(format: 'text' | 'json'): void {
    this.logFormat = format;
    if (format === 'json') this.interactive = false;
  }

  get stderr(): NodeJS.WritableStream {
    return this.#options.stderr;
  }

  /** Secrets learnt from config: masked in everything printed from now on. */
  setSecrets(secrets: readonly string[]): void {
    this.#redact = createRedactor(secrets);
  }

  redact(text: string): string {
    return this.#redact(text);
  }

  /** The command's result: the JSON document under `--json`, else the human text. */
  result(document: unknown, human: () => string): void {
    if (this.json) this.#options.stdout.write(`${this.#redact(JSON.stringify(document, null, 2))}\n`);
    else {
      const text = human();
      if (text) this.#options.stdout.write(`${this.#redact(text)}\n`);
    }
  }

  /** A progress or informational line (stderr, so stdout stays parseable). */
  info(message: string): void {
    if (this.logFormat === 'json') return;
    this.#options.stderr.write(`${this.#redact(message)}\n`);
  }

  /** An error's traceback, indented under the line that reported it: text mode with `--verbose` only. */
  stack(stack: string | undefined): void {
    if (!stack || !this.verbose || this.logFormat === 'json') return;
    this.#options.stderr.write(`${this.#redact(stack.replace(/^/gm, '    '))}\n`);
  }

  warn(message: string): void {
    this.event('warning', { message });
    if (this.logFormat === 'text') this.#options.stderr.write(`${this.#redact(`Warning: ${message}`)}\n`);
  }

  /**
   * One JSON event: a line on stderr with `--log-format json`, and to every added sink in either
   * format (the caller draws its own text). Nothing at all in text mode without sinks.
   */
  event(name: string, fields: Record<string, unknown>): void {
    if (this.logFormat !== 'json' && this.#sinks.length === 0) return;
    const time = new Date();
    const line = this.#redact(JSON.stringify({ time: time.toISOString(), event: name, ...fields }));
    if (this.logFormat === 'json') this.#options.stderr.write(`${line}\n`);
    for (const sink of this.#sinks) sink.write({ timestamp: time.getTime(), message: line });
  }

  /** Sends every later event to `sink` as well (masked, exactly the JSON line). */
  addEventSink(sink: LogSink): void {
    this.#sinks.push(sink);
  }

  /** Delivers what the sinks still hold; each bounds its own wait. Called once, before exit. */
  async closeEventSinks(): Promise<void> {
    const sinks = this.#sinks.splice(0);
    // A sink's own failure is never the command's: it has already warned if it could.
    await Promise.all(sinks.map((sink) => sink.close().catch(() => undefined)));
  }
}
