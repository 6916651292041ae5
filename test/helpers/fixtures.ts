import { afterAll, afterEach, beforeAll } from 'vitest';
import { Queue, Worker } from '../../src/index.js';
import { RedisServer } from './redis-server.js';

let counter = 0;

/** A unique queue name per call, so tests in one file never share keys. */
export function uniqueQueue(label = 'q'): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}`;
}

/** Starts a private Redis for the calling test file and stops it afterwards. */
export function useRedisServer(options: ConstructorParameters<typeof RedisServer>[0] = {}): RedisServer {
  const server = new RedisServer(options);
  beforeAll(async () => {
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });
  return server;
}

/** Cleanups a test registers (queues, workers, processes), run after each test, newest first. */
export function useClosers(): (() => Promise<void>)[] {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()?.();
  });
  return closers;
}

/** Polls `check` until it returns true or the time is up. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type QueueOpts = ConstructorParameters<typeof Queue>[1];
type WorkerOpts = Omit<ConstructorParameters<typeof Worker>[1], 'connection'>;

/** Opens queues and workers on a test server and closes them after each test. */
export function queueFactory(server: RedisServer): {
  open: (name?: string, options?: QueueOpts) => Queue;
  work: (queue: Queue, options: WorkerOpts) => Worker;
} {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()?.();
  });
  return {
    open(name = uniqueQueue(), options = {}) {
      const queue = new Queue(name, { connection: server.url, ...options });
      closers.push(() => queue.close());
      return queue;
    },
    work(queue, options) {
      const worker = new Worker(queue.name, { connection: server.url, ...options });
      closers.push(() => worker.close(500));
      return worker;
    },
  };
}
