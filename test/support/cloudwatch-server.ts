import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One PutLogEvents event as received. */
interface ReceivedEvent {
  timestamp: number;
  message: string;
}

/** One API call as received: its X-Amz-Target operation and JSON body. */
interface ReceivedCall {
  operation: string;
  body: Record<string, unknown>;
}

export interface CloudWatchServer {
  /** `http://127.0.0.1:<port>`: for CLOUDWATCH_ENDPOINT. */
  endpoint: string;
  calls: ReceivedCall[];
  /** Every event delivered to `group`/`stream` (any stream when omitted), in arrival order. */
  events(stream?: string): ReceivedEvent[];
  /** Streams created, as `group/stream`. */
  streams(): string[];
  close(): Promise<void>;
}

const PREFIX = 'Logs_20140328.';
// PutLogEvents' documented limits, enforced like the real service so a bad batch fails here too.
const MAX_BATCH_BYTES = 1_048_576;
const MAX_BATCH_EVENTS = 10_000;

/**
 * A loopback server speaking the CloudWatch Logs API's AWS JSON 1.1 protocol (POST /, header
 * `X-Amz-Target: Logs_20140328.<Operation>`), enough for CreateLogStream and PutLogEvents, and
 * recording what it receives. Like the service: a stream must exist before events are put, a
 * second CreateLogStream is ResourceAlreadyExistsException, a batch out of time order or over the
 * limits is InvalidParameterException. `hang: true` accepts requests and never answers;
 * `failPuts: n` answers the first n PutLogEvents with 503 ServiceUnavailableException (an outage).
 */
export async function startCloudWatchServer(
  options: { hang?: boolean; failPuts?: number } = {},
): Promise<CloudWatchServer> {
  const calls: ReceivedCall[] = [];
  let failPuts = options.failPuts ?? 0;
  const streams = new Map<string, ReceivedEvent[]>();
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) =>
      reply(response, 500, { __type: 'ServiceUnavailableException', message: String(error) }),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (options.hang) return; // never answers: the client has to give up on its own
    const target = String(request.headers['x-amz-target'] ?? '');
    if (request.method !== 'POST' || !target.startsWith(PREFIX))
      return reply(response, 400, { __type: 'UnknownOperationException', message: target });
    const operation = target.slice(PREFIX.length);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    calls.push({ operation, body });
    const key = `${String(body.logGroupName)}/${String(body.logStreamName)}`;
    if (operation === 'CreateLogStream') {
      if (streams.has(key))
        return reply(response, 400, {
          __type: 'ResourceAlreadyExistsException',
          message: 'The specified log stream already exists',
        });
      streams.set(key, []);
      return reply(response, 200, {});
    }
    if (operation === 'PutLogEvents') {
      if (failPuts > 0) {
        failPuts -= 1;
        return reply(response, 503, { __type: 'ServiceUnavailableException', message: 'try again' });
      }
      const stream = streams.get(key);
      if (!stream)
        return reply(response, 400, {
          __type: 'ResourceNotFoundException',
          message: 'The specified log stream does not exist.',
        });
      const events = body.logEvents as ReceivedEvent[];
      const problem = batchProblem(events);
      if (problem) return reply(response, 400, { __type: 'InvalidParameterException', message: problem });
      stream.push(...events);
      return reply(response, 200, { nextSequenceToken: String(calls.length) });
    }
    return reply(response, 400, { __type: 'UnknownOperationException', message: operation });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    events: (stream) =>
      [...streams.entries()].filter(([key]) => !stream || key.endsWith(`/${stream}`)).flatMap(([, e]) => e),
    streams: () => [...streams.keys()],
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function batchProblem(events: ReceivedEvent[]): string | null {
  if (!Array.isArray(events) || events.length === 0) return 'logEvents must hold 1 or more events';
  if (events.length > MAX_BATCH_EVENTS) return `${events.length} events: at most ${MAX_BATCH_EVENTS}`;
  const bytes = events.reduce((sum, e) => sum + Buffer.byteLength(e.message, 'utf8') + 26, 0);
  if (bytes > MAX_BATCH_BYTES) return `batch of ${bytes} bytes: at most ${MAX_BATCH_BYTES}`;
  for (let i = 1; i < events.length; i++)
    if (events[i]!.timestamp < events[i - 1]!.timestamp)
      return 'Log events in a single PutLogEvents request must be in chronological order.';
  return null;
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': '00000000-0000-4000-8000-000000000000',
  });
  response.end(JSON.stringify(body));
}
