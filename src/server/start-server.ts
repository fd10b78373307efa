import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { OperationError } from '../errors.js';

export interface StartServerOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  host: string;
  port: number;
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8000` (the real port when 0 was asked for). */
  url: string;
  port: number;
  /**
   * Stops accepting connections and waits for in-flight requests up to `graceMs`; then calls
   * `onGraceExpired` (cancel the run) and drops what is left after a short wait.
   */
  close(options: { graceMs: number; onGraceExpired?: () => void }): Promise<{ graceful: boolean }>;
}

/** Listens with @hono/node-server; resolves once the port is bound, rejects saying why not. */
export function startServer(options: StartServerOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => reject(listenError(error, options));
    const server = serve(
      { fetch: options.fetch, hostname: options.host, port: options.port },
      (info: AddressInfo) => {
        server.off('error', fail);
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        resolve({
          url: `http://${host}:${info.port}`,
          port: info.port,
          close: (close) => closeServer(server as Server, close),
        });
      },
    );
    server.once('error', fail);
  });
}

function listenError(error: NodeJS.ErrnoException, options: StartServerOptions): Error {
  const where = `${options.host}:${options.port}`;
  const why =
    error.code === 'EADDRINUSE'
      ? 'the port is already in use (another `foodfleet-seed serve`?)'
      : error.code === 'EACCES'
        ? 'permission denied (ports below 1024 need privileges)'
        : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
          ? 'this machine has no such address'
          : error.message;
  return new OperationError(
    'OPERATION_FAILED',
    `Cannot listen on ${where}: ${why} (${error.code ?? 'error'}). Nothing was started. Choose another with --host / --port (server.host / server.port).`,
    { cause: error },
  );
}

/** After the grace period a cancelled run still needs a moment to roll back and answer. */
const AFTER_CANCEL_MS = 5000;

async function closeServer(
  server: Server,
  options: { graceMs: number; onGraceExpired?: () => void },
): Promise<{ graceful: boolean }> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive sockets would hold close() open; drop each as soon as it goes idle.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  try {
    if (await settlesWithin(closed, options.graceMs)) return { graceful: true };
    options.onGraceExpired?.();
    if (!(await settlesWithin(closed, AFTER_CANCEL_MS))) server.closeAllConnections();
    await closed;
    return { graceful: false };
  } finally {
    clearInterval(sweep);
  }
}

async function settlesWithin(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
