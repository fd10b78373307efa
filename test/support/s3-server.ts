import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RunningS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url));
const START_TIMEOUT_MS = 30_000;

type ChildMessage = { type: 'ready'; port: number } | { type: 'error'; message: string };

/** Starts s3rver on 127.0.0.1 (random port) over a temp directory, in a child process. */
export async function startS3(): Promise<RunningS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'foodfleet-s3-'));
  process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
  const child = fork(CHILD, [directory], {
    execArgv: ['--openssl-legacy-provider'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let timer: NodeJS.Timeout | undefined;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer after ${START_TIMEOUT_MS / 1000}s`)),
        START_TIMEOUT_MS,
      );
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') resolve(message.port);
        else reject(new Error(message.message));
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`exited with code ${code}`)));
    });
    return {
      endpoint: `http://127.0.0.1:${port}`,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      async stop() {
        if (child.connected) child.disconnect();
        else child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(force);
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await rm(directory, { recursive: true, force: true });
    throw new Error(`s3rver did not start: ${(error as Error).message}\n${stderr}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
