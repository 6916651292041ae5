import { afterEach } from 'vitest';
import { Queue, Worker, type JobContext, type WorkerOptions } from '../../src/index.js';
import { uniqueQueue, useRedisServer } from '../helpers/fixtures.js';

/** Fast retries, so retry tests take milliseconds. */
export const QUICK_BACKOFF = { baseMs: 10, capMs: 50 };

/** A private Redis for the file, plus queues and workers that are closed after each test. */
export function useQueues(): {
  open: (label?: string) => Queue;
  work: (queue: Queue, options: Omit<WorkerOptions, 'connection'>) => Promise<Worker>;
} {
  const redis = useRedisServer();
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()?.();
  });
  return {
    open(label = 'handlers') {
      const queue = new Queue(uniqueQueue(label), { connection: redis.url });
      closers.push(() => queue.close());
      return queue;
    },
    async work(queue, options) {
      const worker = new Worker(queue.name, { connection: redis.url, ...options });
      closers.push(() => worker.close(1000));
      await worker.start();
      return worker;
    },
  };
}

/** A JobContext for calling a handler directly, without Redis. */
export function directContext(overrides: Partial<JobContext> = {}): JobContext {
  return {
    id: '42',
    queue: 'direct',
    type: 'direct',
    attempt: 1,
    maxAttempts: 3,
    createdAt: new Date(1_700_000_000_000),
    signal: new AbortController().signal,
    progress: async () => undefined,
    ...overrides,
  };
}
