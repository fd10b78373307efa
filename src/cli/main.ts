import { buildProgram } from './program.js';
import { Output } from './output.js';
import { reportError } from './report-error.js';
import type { CommandContext, GlobalOptions } from './context.js';
import { holdYoungGeneration, releaseYoungGeneration } from '../util/young-generation.js';
import { baselineWasmOnly } from '../util/wasm-tiers.js';
import { slowOldGenerationGrowth } from '../util/heap-growth.js';

/** Commands whose data streams through in bounded batches: they keep V8's young generation small. */
const STREAMING_COMMANDS = new Set(['backup', 'restore', 'rollback']);

/**
 * The CLI's only error boundary: commands return or throw; exit codes are set here and nowhere
 * else. Heavy modules (kysely, pg, PGlite, zod, the AWS SDK) load inside command handlers only.
 */
async function main(argv: string[]): Promise<void> {
  holdYoungGeneration();
  // This tool supports Node 20 (engines); the AWS SDK's "Node 22 will be required" notice is noise to an operator.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const jsonRequested = argv.includes('--json');
  const logJson = argv.some(
    (a, i) => a === '--log-format=json' || (a === '--log-format' && argv[i + 1] === 'json'),
  );
  const out = new Output({
    json: jsonRequested,
    // Read before parsing, like --json: a failure to parse the command line is reported too.
    verbose: argv.includes('--verbose'),
    logFormat: logJson || process.env.SEED_LOG_FORMAT === 'json' ? 'json' : 'text',
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
  const controller = new AbortController();
  const cancelHandlers: Array<() => Promise<void>> = [];
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    // A second Ctrl-C means "now": PostgreSQL still rolls back the open transaction.
    if (signals > 1) process.exit(130);
    out.info(`Received ${signal}: stopping…`);
    controller.abort(new Error(signal));
    for (const handler of cancelHandlers) void handler().catch(() => undefined);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const makeContext = (globals: GlobalOptions): CommandContext => ({
    globals,
    env: process.env,
    cwd: process.cwd(),
    out,
    signal: controller.signal,
    onCancel: (handler) => cancelHandlers.push(handler),
    stdinIsTTY: Boolean(process.stdin.isTTY),
  });

  // With --log-format json, stderr carries only JSON events: commander's own error text is
  // replaced by the `error` event reportError emits.
  const output = {
    writeErr: (text: string) => void (out.logFormat === 'json' || process.stderr.write(text)),
  };
  try {
    if (argv.length === 0) {
      buildProgram(makeContext, output).outputHelp();
      return;
    }
    const program = buildProgram(makeContext, output);
    // Only the streaming commands keep the young generation held (young-generation.ts says why); only the
    // long-lived `serve` lets V8 optimize PGlite's WebAssembly (wasm-tiers.ts says why); the
    // commands that load a backup grow the old generation slowly (heap-growth.ts says why).
    program.hook('preAction', (_program, command) => {
      const name = command.name();
      if (!STREAMING_COMMANDS.has(name)) releaseYoungGeneration();
      if (name !== 'serve') baselineWasmOnly();
      if (name === 'restore' || name === 'rollback') slowOldGenerationGrowth();
    });
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    process.exitCode = reportError(error, out);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Log sinks (CloudWatch) deliver what they hold; each gives up after its own short deadline.
    await out.closeEventSinks();
  }
}

await main(process.argv.slice(2));
