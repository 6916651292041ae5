// Graceful shutdown: a job that finishes during the grace period is recorded at once (another
// worker never runs it again), the leases of jobs not yet recorded stay alive, a job handed
// back keeps its priority, and a cancel request survives the hand-back.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobContext } from '../../src/index.js';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';
import { startCli, TEST_HANDLERS } from './support/processes.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);
let ledger: Redis;
beforeAll(() => {
  ledger = new Redis(redis.url);
});
afterAll(() => ledger.disconnect());

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('graceful shutdown records outcomes at once', () => {
  it('a job finishing during the grace period is recorded while a longer one still runs, and never runs twice', async () => {
    const queue = open();
    const runs = new Map<string, number>();
    const handlers = {
      sleep: async (payload: { ms: number }, ctx: JobContext) => {
        runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
        await sleep(payload.ms);
        return 'slept';
      },
    };
    const long = await queue.enqueue('sleep', { ms: 4000 });
    const short = await queue.enqueue('sleep', { ms: 300 });
    const first = work(queue, { concurrency: 2, leaseMs: 1000, handlers });
    await first.start();
    await until(() => runs.has(long.id) && runs.has(short.id), 10_000, 'both jobs running');
    const closed = first.close(10_000);
    // a second worker is ready to take any job whose lease runs out
    const second = work(queue, { concurrency: 2, leaseMs: 1000, handlers });
    await second.start();

    await until(async () => (await queue.requireJob(short.id)).status === 'success', 10_000, 'short job recorded');
    // recorded at once: the long job still runs on the closing worker
    expect((await queue.requireJob(long.id)).status).toBe('running');
    await closed;

    expect(await queue.requireJob(short.id)).toMatchObject({ status: 'success', attempts: 1, result: 'slept' });
    expect(await queue.requireJob(long.id)).toMatchObject({ status: 'success', attempts: 1, result: 'slept' });
    // well past the short job's lease: nobody ran it again
    await sleep(1500);
    expect(runs.get(short.id)).toBe(1);
    expect(runs.get(long.id)).toBe(1);
    expect(await queue.counts()).toMatchObject({ running: 0, pending: 0, retrying: 0, success: 2, failed: 0 });
  });

  it('`jobs worker --shutdown-timeout 1m`: SIGTERM while a long and a short job run; the short job runs once', { timeout: 90_000 }, async () => {
    const queue = open();
    const ledgerKey = `ledger-${queue.name}`;
    const env = { LEDGER_REDIS_URL: redis.url, LEDGER_KEY: ledgerKey };
    const args = ['--redis', redis.url, '--queue', queue.name, '--json', 'worker', '--handlers', TEST_HANDLERS, '--concurrency', '2', '--shutdown-timeout', '1m'];
    // the default lease is 30 s: the long job outlasts the short one's lease by a few seconds
    const long = await queue.enqueue('ledger', { ms: 36_000 });
    const short = await queue.enqueue('ledger', { ms: 1000 });
    const first = startCli(args, env);
    let second: ReturnType<typeof startCli> | undefined;
    try {
      await until(async () => (await queue.counts()).running === 2, 15_000, 'both jobs running');
      first.signal('SIGTERM');
      second = startCli(args, env);
      await until(() => second?.has((line) => line.event === 'started') ?? false, 15_000, 'second worker started');

      await until(async () => (await queue.requireJob(short.id)).status === 'success', 10_000, 'short job recorded');
      expect((await queue.requireJob(long.id)).status).toBe('running');
      const exit = await first.exited;
      expect(exit.code).toBe(0);

      expect(await queue.requireJob(short.id)).toMatchObject({ status: 'success', attempts: 1 });
      expect(await queue.requireJob(long.id)).toMatchObject({ status: 'success', attempts: 1 });
      expect(await ledger.hget(`${ledgerKey}:runs`, short.id)).toBe('1');
      expect(await ledger.hget(`${ledgerKey}:runs`, long.id)).toBe('1');
      expect(first.has((line) => line.event === 'warning')).toBe(false);
    } finally {
      await first.kill();
      await second?.kill();
    }
  });
});

describe('hand-back at shutdown', () => {
  it('keeps the job priority: a handed-back priority-1000 job runs before priority-1 jobs', async () => {
    const queue = open();
    const urgent = await queue.enqueue('wait', {}, { priority: 1000 });
    const first = work(queue, {
      concurrency: 1,
      handlers: { wait: (_payload, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))) },
    });
    await first.start();
    await until(async () => (await queue.requireJob(urgent.id)).status === 'running', 10_000, 'urgent job running');
    const lesser = await queue.enqueueMany([1, 2, 3].map((n) => ({ type: 'wait', payload: { n }, options: { priority: 1 } })));
    await first.close(0);
    expect(await queue.requireJob(urgent.id)).toMatchObject({ status: 'pending', attempts: 0, priority: 1000 });

    const order: string[] = [];
    const second = work(queue, { concurrency: 1, prefetch: 0, handlers: { wait: (_payload, ctx) => void order.push(ctx.id) } });
    await second.start();
    await until(async () => (await queue.counts()).success === 4, 10_000, 'all four done');
    expect(order).toEqual([urgent.id, ...lesser.map((j) => j.id)]);
  });

  it('a running job cancelled just before shutdown ends cancelled and never runs again', async () => {
    const queue = open();
    const runs: string[] = [];
    const hang = (_payload: unknown, ctx: JobContext): Promise<never> => {
      runs.push(ctx.id);
      return new Promise(() => {}); // ignores its signal
    };
    const { id } = await queue.enqueue('hang');
    const first = work(queue, { handlers: { hang } });
    await first.start();
    await until(() => runs.includes(id), 10_000, 'job running');
    expect(await queue.cancel(id)).toBe('requested');
    await first.close(0);

    const second = work(queue, { handlers: { hang } });
    await second.start();
    await until(async () => (await queue.requireJob(id)).status === 'cancelled', 5000, 'job cancelled');
    await sleep(300);
    expect(runs).toEqual([id]);
    expect(await queue.counts()).toMatchObject({ pending: 0, running: 0, cancelled: 1 });
  });
});
