// Worker edge cases: a success clears the error of an earlier attempt, a job whose type this
// worker has no handler for is handed back (no attempt burnt) for a worker that has one, and a
// failing drain check is survived with a warning instead of an unhandled rejection.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Worker, type Queue } from '../../src/index.js';
import { claimJobs } from '../../src/core/claim.js';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);
let client: Redis;
beforeAll(() => {
  client = new Redis(redis.url);
});
afterAll(() => client.disconnect());

const redisNow = async (): Promise<number> => {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
};

async function abandonLease(queue: Queue, leaseMs: number): Promise<void> {
  const reply = await claimJobs(queue.handle, { leaseMs, want: 1, upkeep: true, outcomes: [] });
  expect(reply.jobs).toHaveLength(1);
}

describe('a success clears the error of earlier attempts', () => {
  it('after a failed attempt', async () => {
    const queue = open();
    const { id } = await queue.enqueue('flaky', {}, { backoff: { baseMs: 10, capMs: 20 } });
    const worker = work(queue, {
      handlers: {
        flaky: (_payload, ctx) => {
          if (ctx.attempt === 1) throw new Error('first try fails');
          return 'second try works';
        },
      },
    });
    await worker.start();
    const job = await queue.waitFor(id, { timeoutMs: 10_000 });
    expect(job).toMatchObject({ status: 'success', attempts: 2, result: 'second try works', error: null, stack: null });
  });

  it('after a lease expiry', async () => {
    const queue = open();
    const { id } = await queue.enqueue('work');
    await abandonLease(queue, 100);
    const worker = work(queue, { handlers: { work: () => 'rescued' } });
    await worker.start();
    const job = await queue.waitFor(id, { timeoutMs: 10_000 });
    expect(job).toMatchObject({ status: 'success', attempts: 2, result: 'rescued', error: null });
  });
});

describe('a job type this worker has no handler for', () => {
  it('is handed back without counting an attempt, with a warning, for a worker that has the handler', async () => {
    const queue = open();
    const { id } = await queue.enqueue('newer-type', { n: 1 }, { maxAttempts: 2 });
    const warnings: string[] = [];
    const old = work(queue, { concurrency: 2, handlers: { other: () => 'x' }, onWarning: (w) => warnings.push(w) });
    await old.start();
    await until(() => warnings.some((w) => w.includes('newer-type')), 10_000, 'warning');
    const handedBackAt = await redisNow();
    // the hand-back is recorded: no attempt burnt, the job waits well past a failed attempt's backoff
    await until(async () => (await queue.requireJob(id)).error !== null, 10_000, 'hand-back recorded');
    const waiting = await queue.requireJob(id);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0 });
    expect(waiting.error).toMatch(/no handler for job type "newer-type"/);
    expect((waiting.scheduledFor?.getTime() ?? 0) - handedBackAt).toBeGreaterThan(3000);
    expect(await queue.counts()).toMatchObject({ scheduled: 1, failed: 0, retrying: 0 });

    // the rolling deploy: a worker that knows the type replaces the old one
    const upgraded = work(queue, { handlers: { 'newer-type': (payload) => payload } });
    await upgraded.start();
    await old.close(1000);
    const job = await queue.waitFor(id, { timeoutMs: 15_000 });
    expect(job).toMatchObject({ status: 'success', attempts: 1, result: { n: 1 }, error: null });
  });
});

describe('a drain check that fails', () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  beforeEach(() => {
    rejections.length = 0;
    process.on('unhandledRejection', onRejection);
  });
  afterEach(() => {
    process.off('unhandledRejection', onRejection);
  });

  it('is warned about and retried; the worker drains once Redis answers again', async () => {
    const queue = open();
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const warnings: string[] = [];
    const { id } = await queue.enqueue('echo', { n: 1 });
    const worker = new Worker(queue.name, { connection, schedules: false, exitWhenDrained: true, handlers: { echo: (p) => p }, onWarning: (w) => warnings.push(w) });
    let failures = 0;
    try {
      await worker.start();
      // from now on the worker's transactions (the drain check reads the counts in one) fail
      // twice, as if Redis had just gone away
      const realMulti = connection.multi.bind(connection);
      connection.multi = ((...args: Parameters<typeof realMulti>) => {
        const transaction = realMulti(...args);
        if (failures < 2) {
          failures += 1;
          transaction.exec = () => Promise.reject(new Error('Connection is closed.'));
        }
        return transaction;
      }) as typeof connection.multi;
      await Promise.race([worker.done, new Promise((_, reject) => setTimeout(() => reject(new Error('worker did not drain')), 10_000))]);
      expect(failures).toBe(2);
      expect(warnings.filter((w) => w.includes('Connection is closed'))).toHaveLength(2);
      expect(rejections).toEqual([]);
      expect((await queue.requireJob(id)).status).toBe('success');
    } finally {
      await worker.close(500);
      connection.disconnect();
    }
  });
});
