import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { ApiError } from '../api-error.js';
import type { PasswordHasher } from './password-hasher.js';

/**
 * The worker's code, evaluated as CommonJS: a separate worker file would not exist when the
 * sources run untranspiled under the test runner. bcryptjs's path is resolved here and handed
 * over, so it loads the same copy whatever the working directory.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', (task) => {
  try {
    const value = task.op === 'compare' ? bcrypt.compareSync(task.password, task.hash) : bcrypt.hashSync(task.password, task.cost);
    parentPort.postMessage({ value });
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error) });
  }
});
`;

type Work =
  | { op: 'compare'; password: string; hash: string }
  | { op: 'hash'; password: string; cost: number };

interface Task {
  work: Work;
  resolve: (value: boolean | string) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
}

export interface BcryptPoolOptions {
  /** Worker threads (default: cores − 1, at least 1, at most 4). */
  size?: number;
  /** Queued calls beyond this are refused with 503 rather than piling up (default 64). */
  maxQueue?: number;
}

/** bcryptjs in a small worker_threads pool; workers start on first use and are unref'd. */
export function createBcryptPool(options: BcryptPoolOptions = {}): PasswordHasher {
  const size = options.size ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  const maxQueue = options.maxQueue ?? 64;
  const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
  const slots: Slot[] = [];
  const queue: Task[] = [];
  let closed = false;

  const spawn = (): Slot => {
    const slot: Slot = {
      worker: new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath } }),
      task: null,
    };
    slot.worker.unref();
    slot.worker.on('message', (message: { value?: boolean | string; error?: string }) => {
      const task = slot.task;
      slot.task = null;
      if (message.error !== undefined) task?.reject(new Error(`bcrypt failed: ${message.error}`));
      else task?.resolve(message.value as boolean | string);
      pump();
    });
    // A dead worker fails only its own task; the slot is replaced on the next call.
    const retire = (error: Error) => {
      slots.splice(slots.indexOf(slot), 1);
      slot.task?.reject(error);
      slot.task = null;
      pump();
    };
    slot.worker.on('error', retire);
    slot.worker.on('exit', (code) => {
      if (slots.includes(slot)) retire(new Error(`bcrypt worker exited (code ${code})`));
    });
    slots.push(slot);
    return slot;
  };

  const pump = (): void => {
    while (!closed && queue.length > 0) {
      const slot = slots.find((s) => s.task === null) ?? (slots.length < size ? spawn() : undefined);
      if (!slot) return;
      const task = queue.shift() as Task;
      slot.task = task;
      slot.worker.postMessage(task.work);
    }
  };

  const submit = <T extends boolean | string>(work: Work): Promise<T> => {
    if (closed)
      return Promise.reject(new Error('The password hasher is closed (the server is shutting down).'));
    if (queue.length >= maxQueue) {
      return Promise.reject(
        new ApiError(503, 'Too many logins in progress; nothing was done. Retry in a few seconds.', {
          'Retry-After': '5',
        }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as Task['resolve'], reject });
      pump();
    });
  };

  return {
    compare: (password, hash) => submit<boolean>({ op: 'compare', password, hash }),
    hash: (password, cost) => submit<string>({ op: 'hash', password, cost }),
    async close() {
      closed = true;
      for (const task of queue.splice(0)) task.reject(new Error('The password hasher was closed.'));
      const workers = slots.splice(0);
      for (const slot of workers) slot.task?.reject(new Error('The password hasher was closed.'));
      await Promise.all(workers.map((slot) => slot.worker.terminate()));
    },
  };
}
