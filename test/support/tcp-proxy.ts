import net from 'node:net';
import { afterAll } from 'vitest';

/** One message from client to server, as the PostgreSQL protocol frames it. */
interface PgMessage {
  /** The type byte (`Q` simple query, `P` parse, `d` COPY data…); '' for the untyped startup. */
  type: string;
  /** The payload as latin1 text, for matching SQL. */
  text: string;
}

/** What to do to a connection when a trigger fires. */
type FaultAction =
  /** Cut both ends without forwarding the message that fired (the server never sees it). */
  | 'drop-before'
  /** Forward the message, then cut both ends (the server acts on it; its answer is lost). */
  | 'drop-after'
  /** Forward nothing more in either direction until {@link TcpProxy.resume}. */
  | 'stall'
  /**
   * Keep that message, and what follows it on its connection, from the server until
   * {@link TcpProxy.resume}; every other connection flows (the client has sent a statement the
   * server has not started).
   */
  | 'hold';

export interface TcpProxy {
  readonly port: number;
  /** `url` (postgres:// or http://) with its host and port replaced by the proxy's. */
  via(url: string): string;
  /** Cuts every open connection, both ends. New connections still pass. */
  dropAll(): void;
  /** New connections are closed at once (a server that is down) until `refuse(false)`. */
  refuse(on: boolean): void;
  /** Holds every connection's traffic, open and new, until {@link resume}. */
  stall(): void;
  resume(): void;
  /**
   * PostgreSQL only: applies `action` to the connection carrying the first client message that
   * matches, once. Resolves when it fired.
   */
  onMessage(match: (message: PgMessage) => boolean, action: FaultAction): Promise<void>;
  /** Applies `action` once `bytes` more bytes have gone in `direction` (across connections). */
  afterBytes(direction: 'up' | 'down', bytes: number, action: 'drop' | 'stall'): Promise<void>;
  /** Connections opened so far. */
  readonly connections: number;
  close(): Promise<void>;
}

interface Trigger {
  match: (message: PgMessage) => boolean;
  action: FaultAction;
  fired: () => void;
}

interface Pair {
  client: net.Socket;
  server: net.Socket;
  held: Array<{ to: net.Socket; chunk: Buffer }>;
  /** Its client's messages wait in `held` (the 'hold' action). */
  holding: boolean;
  cut(): void;
}

/**
 * A TCP proxy on 127.0.0.1 in front of `target` that can drop or stall connections on cue: the
 * faults a network, a failover or a dying server produce, at a moment a test chooses.
 * With `protocol: 'postgres'` it reads the client's messages so a fault can fire on a statement.
 */
export async function startTcpProxy(
  target: { host: string; port: number },
  options: { protocol?: 'postgres' } = {},
): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  const triggers: Trigger[] = [];
  const byteTriggers: Array<{
    direction: 'up' | 'down';
    left: number;
    action: 'drop' | 'stall';
    fired: () => void;
  }> = [];
  let refusing = false;
  let stalled = false;
  let opened = 0;

  const forward = (pair: Pair, to: net.Socket, chunk: Buffer) => {
    if (stalled || (pair.holding && to === pair.server)) pair.held.push({ to, chunk });
    else if (!to.destroyed) to.write(chunk);
  };

  const countBytes = (pair: Pair, direction: 'up' | 'down', chunk: Buffer): boolean => {
    for (const trigger of [...byteTriggers]) {
      if (trigger.direction !== direction) continue;
      trigger.left -= chunk.length;
      if (trigger.left > 0) continue;
      byteTriggers.splice(byteTriggers.indexOf(trigger), 1);
      trigger.fired();
      if (trigger.action === 'drop') {
        pair.cut();
        return false;
      }
      stalled = true;
    }
    return true;
  };

  const server = net.createServer((client) => {
    opened += 1;
    client.on('error', () => undefined);
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    upstream.on('error', () => undefined);
    const pair: Pair = {
      client,
      server: upstream,
      held: [],
      holding: false,
      cut() {
        client.destroy();
        upstream.destroy();
        pairs.delete(pair);
      },
    };
    pairs.add(pair);
    const reader = options.protocol === 'postgres' ? pgReader() : null;
    client.on('data', (chunk: Buffer) => {
      if (!countBytes(pair, 'up', chunk)) return;
      if (!reader) return forward(pair, upstream, chunk);
      for (const { message, bytes } of reader.read(chunk)) {
        const trigger = triggers.find((t) => t.match(message));
        if (!trigger) {
          forward(pair, upstream, bytes);
          continue;
        }
        triggers.splice(triggers.indexOf(trigger), 1);
        trigger.fired();
        if (trigger.action === 'stall' || trigger.action === 'hold') {
          if (trigger.action === 'stall') stalled = true;
          else pair.holding = true;
          forward(pair, upstream, bytes);
          continue;
        }
        if (trigger.action === 'drop-after') {
          // The server reads the message before the end of the stream: it acts on it, then ends.
          upstream.end(bytes);
          client.destroy();
        } else pair.cut();
        pairs.delete(pair);
        return;
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (countBytes(pair, 'down', chunk)) forward(pair, client, chunk);
    });
    client.on('close', () => {
      pairs.delete(pair);
      upstream.destroy();
    });
    upstream.on('close', () => {
      pairs.delete(pair);
      client.destroy();
    });
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  const proxy: TcpProxy = {
    port,
    get connections() {
      return opened;
    },
    via(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
    },
    dropAll() {
      for (const pair of [...pairs]) pair.cut();
    },
    refuse(on) {
      refusing = on;
    },
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const pair of pairs) {
        pair.holding = false;
        for (const { to, chunk } of pair.held.splice(0)) if (!to.destroyed) to.write(chunk);
      }
    },
    onMessage(match, action) {
      return new Promise((fired) => triggers.push({ match, action, fired: () => fired() }));
    },
    afterBytes(direction, bytes, action) {
      return new Promise((fired) =>
        byteTriggers.push({ direction, left: bytes, action, fired: () => fired() }),
      );
    },
    async close() {
      proxy.dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.add(proxy);
  return proxy;
}

/** PostgreSQL's SSLRequest / GSSENCRequest codes: answered with one byte, then a new startup follows. */
const NEGOTIATION_CODES = new Set([80877103, 80877104]);

/** Frames the client's byte stream into messages: the startup has no type byte, the rest do. */
function pgReader() {
  let buffered = Buffer.alloc(0);
  let started = false;
  const take = function* (): Generator<{ message: PgMessage; bytes: Buffer }> {
    for (;;) {
      const header = started ? 5 : 4;
      if (buffered.length < header) return;
      const length = started ? buffered.readInt32BE(1) + 1 : buffered.readInt32BE(0);
      if (buffered.length < length) return;
      const bytes = buffered.subarray(0, length);
      buffered = buffered.subarray(length);
      if (!started) {
        if (!NEGOTIATION_CODES.has(bytes.readInt32BE(4))) started = true;
        yield { message: { type: '', text: '' }, bytes };
      } else {
        yield {
          message: { type: String.fromCharCode(bytes[0]!), text: bytes.subarray(5).toString('latin1') },
          bytes,
        };
      }
    }
  };
  return {
    read(chunk: Buffer) {
      buffered = Buffer.concat([buffered, chunk]);
      return [...take()];
    },
  };
}

const open = new Set<TcpProxy>();
try {
  afterAll(async () => {
    await Promise.all([...open].map((proxy) => proxy.close()));
  });
} catch {
  // imported outside a vitest test file
}
