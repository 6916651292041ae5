import { Queue, Worker, type Job } from 'bullmq';
import type { BenchPayload, PreparedWorker, Producer, SystemAdapter, WorkerOptions } from './types.js';

const NAME = 'email';

function connectionOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

/** BullMQ as its docs show it: Queue.add / addBulk, a Worker with concurrency, removeOnComplete. */
export const bullmqAdapter: SystemAdapter = {
  name: 'bullmq',
  settings: 'defaultJobOptions { removeOnComplete: true }; events stream on (default, cannot be turned off)',

  async producer(url: string, name: string): Promise<Producer> {
    const queue = new Queue<BenchPayload>(name, {
      connection: connectionOf(url),
      defaultJobOptions: { removeOnComplete: true },
    });
    await queue.waitUntilReady();
    return {
      async enqueue(payload: BenchPayload): Promise<void> {
        await queue.add(NAME, payload);
      },
      async enqueueBulk(payloads: readonly BenchPayload[]): Promise<void> {
        await queue.addBulk(payloads.map((data) => ({ name: NAME, data })));
      },
      async enqueueDelayedBulk(payloads: readonly BenchPayload[], delayMs: number): Promise<void> {
        await queue.addBulk(payloads.map((data) => ({ name: NAME, data, opts: { delay: delayMs } })));
      },
      close: () => queue.close(),
    };
  },

  async worker(url: string, name: string, options: WorkerOptions): Promise<PreparedWorker> {
    const worker = new Worker<BenchPayload>(
      name,
      async (job: Job<BenchPayload>): Promise<void> => options.onJob(job.data),
      { connection: connectionOf(url), concurrency: options.concurrency, autorun: false },
    );
    worker.on('error', (error) => console.error(`bullmq worker error: ${error.message}`));
    await worker.waitUntilReady();
    let running: Promise<void> | undefined;
    return {
      async start(): Promise<void> {
        running = worker.run().catch((error: unknown) => console.error(`bullmq run failed: ${String(error)}`));
      },
      async close(): Promise<void> {
        await worker.close();
        await running;
      },
    };
  },
};
