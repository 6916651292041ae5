import BeeQueue from 'bee-queue';
import type { BenchPayload, PreparedWorker, Producer, SystemAdapter, WorkerOptions } from './types.js';

function redisOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

async function saveAll(queue: BeeQueue<BenchPayload>, jobs: BeeQueue.Job<BenchPayload>[]): Promise<void> {
  const errors = await queue.saveAll(jobs);
  for (const error of errors.values()) throw error;
}

/**
 * Bee-Queue as its README recommends: createJob().save() / saveAll, process(concurrency),
 * removeOnSuccess, and the events/job tracking it does not need switched off.
 */
export const beeQueueAdapter: SystemAdapter = {
  name: 'bee-queue',
  settings: 'removeOnSuccess: true; getEvents/sendEvents/storeJobs false (README advice when unused)',

  async producer(url: string, name: string): Promise<Producer> {
    const queue = new BeeQueue<BenchPayload>(name, {
      redis: redisOf(url),
      isWorker: false,
      getEvents: false,
      sendEvents: false,
      storeJobs: false,
    });
    await queue.ready();
    return {
      async enqueue(payload: BenchPayload): Promise<void> {
        await queue.createJob(payload).save();
      },
      async enqueueBulk(payloads: readonly BenchPayload[]): Promise<void> {
        await saveAll(queue, payloads.map((payload) => queue.createJob(payload)));
      },
      async enqueueDelayedBulk(payloads: readonly BenchPayload[], delayMs: number): Promise<void> {
        const due = Date.now() + delayMs;
        await saveAll(queue, payloads.map((payload) => queue.createJob(payload).delayUntil(due)));
      },
      close: () => queue.close(),
    };
  },

  async worker(url: string, name: string, options: WorkerOptions): Promise<PreparedWorker> {
    const queue = new BeeQueue<BenchPayload>(name, {
      redis: redisOf(url),
      removeOnSuccess: true,
      getEvents: false,
      sendEvents: false,
      storeJobs: false,
      activateDelayedJobs: options.delayedJobs === true,
    });
    queue.on('error', (error) => console.error(`bee-queue worker error: ${error.message}`));
    await queue.ready();
    return {
      async start(): Promise<void> {
        queue.process(options.concurrency, async (job: BeeQueue.Job<BenchPayload>): Promise<void> => options.onJob(job.data));
      },
      close: () => queue.close(30_000),
    };
  },
};
