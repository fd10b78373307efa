import { createRedactor, type Redactor } from '../config/secrets.js';

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
    if (this.json) this.#options.stdout.write(this.#redact(JSON.stringify(document, null, 2)) + '\n');
    else {
      const text = human();
      if (text) this.#options.stdout.write(this.#redact(text) + '\n');
    }
  }

  /** A progress or informational line (stderr, so stdout stays parseable). */
  info(message: string): void {
    if (this.logFormat === 'json') return;
    this.#options.stderr.write(this.#redact(message) + '\n');
  }

  /** An error's traceback, indented under the line that reported it: text mode with `--verbose` only. */
  stack(stack: string | undefined): void {
    if (!stack || !this.verbose || this.logFormat === 'json') return;
    this.#options.stderr.write(this.#redact(stack.replace(/^/gm, '    ')) + '\n');
  }

  warn(message: string): void {
    if (this.logFormat === 'json') this.event('warning', { message });
    else this.#options.stderr.write(this.#redact(`Warning: ${message}`) + '\n');
  }

  /** One JSON event per line on stderr (`--log-format json`); nothing in text mode. */
  event(name: string, fields: Record<string, unknown>): void {
    if (this.logFormat !== 'json') return;
    const line = JSON.stringify({ time: new Date().toISOString(), event: name, ...fields });
    this.#options.stderr.write(this.#redact(line) + '\n');
  }
}
