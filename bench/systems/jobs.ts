import { Queue, Worker } from 'jobs';
import type { BenchPayload, PreparedWorker, Producer, SystemAdapter, WorkerOptions } from './types.js';

const TYPE = 'email';

/** `jobs` itself, from the built package (dist/), as a library user gets it. */
export const jobsAdapter: SystemAdapter = {
  name: 'jobs',
  settings: 'retention { finishedCount: 0 } (a job is deleted on success, like BullMQ removeOnComplete); events off (default)',

  async producer(url: string, name: string): Promise<Producer> {
    const queue = new Queue(name, { connection: url });
    await queue.handle.ready();
    return {
      async enqueue(payload: BenchPayload): Promise<void> {
        await queue.enqueue(TYPE, payload);
      },
      async enqueueBulk(payloads: readonly BenchPayload[]): Promise<void> {
        await queue.enqueueMany(payloads.map((payload) => ({ type: TYPE, payload })));
      },
      async enqueueDelayedBulk(payloads: readonly BenchPayload[], delayMs: number): Promise<void> {
        await queue.enqueueMany(payloads.map((payload) => ({ type: TYPE, payload, options: { delay: delayMs } })));
      },
      close: () => queue.close(),
    };
  },

  async worker(url: string, name: string, options: WorkerOptions): Promise<PreparedWorker> {
    const worker = new Worker(name, {
      connection: url,
      concurrency: options.concurrency,
      retention: { finishedCount: 0 },
      handlers: {
        [TYPE]: async (payload: BenchPayload): Promise<void> => options.onJob(payload),
      },
    });
    await worker.handle.ready();
    return {
      start: () => worker.start(),
      close: () => worker.close(),
    };
  },
};
