import { describe, expect, it } from 'vitest';
import { ValidationError, Worker } from '../../src/index.js';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);

describe('prefetch', () => {
  it('never runs more handlers at once than the concurrency, while fast handlers let it claim ahead', async () => {
    const queue = open();
    await queue.enqueueMany(Array.from({ length: 5000 }, (_, n) => ({ type: 'fast', payload: { n } })));
    let active = 0;
    let most = 0;
    let ran = 0;
    let mostRunningInRedis = 0;
    const worker = work(queue, {
      concurrency: 2,
      handlers: {
        fast: async () => {
          active += 1;
          ran += 1;
          most = Math.max(most, active);
          await Promise.resolve();
          active -= 1;
        },
      },
    });
    await worker.start();
    await until(async () => {
      const counts = await queue.counts();
      mostRunningInRedis = Math.max(mostRunningInRedis, counts.running);
      return counts.pending + counts.running === 0;
    }, 20_000, 'all jobs done');
    expect(ran).toBe(5000);
    expect(most).toBeLessThanOrEqual(2);
    // jobs claimed ahead hold leases: more are running in Redis than handlers run at once
    expect(mostRunningInRedis).toBeGreaterThan(2);
  });

  it('claims nothing ahead for slow handlers, nor with prefetch: 0', async () => {
    for (const [prefetch, ms] of [[undefined, 30], [0, 0]] as const) {
      const queue = open();
      await queue.enqueueMany(Array.from({ length: 30 }, () => ({ type: 'sleep', payload: { ms } })));
      let mostRunningInRedis = 0;
      const worker = work(queue, {
        concurrency: 1,
        ...(prefetch === undefined ? {} : { prefetch }),
        handlers: { sleep: (p: { ms: number }) => new Promise((resolve) => setTimeout(resolve, p.ms)) },
      });
      await worker.start();
      await until(async () => {
        const counts = await queue.counts();
        mostRunningInRedis = Math.max(mostRunningInRedis, counts.running);
        return counts.success === 30;
      }, 20_000, 'all jobs done');
      expect(mostRunningInRedis).toBeLessThanOrEqual(1);
    }
  });

  it('hands prefetched jobs back unstarted at shutdown, their attempt not counted', async () => {
    const queue = open();
    await queue.enqueueMany(Array.from({ length: 200 }, () => ({ type: 'gate' })));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const worker = work(queue, {
      concurrency: 1,
      handlers: {
        gate: async () => {
          started += 1;
          // fast at first, so the worker learns to claim ahead; then one job holds its slot
          if (started === 50) await gate;
        },
      },
    });
    await worker.start();
    await until(() => started === 50, 10_000, 'the gated job');
    await until(async () => (await queue.counts()).running > 1, 5000, 'jobs claimed ahead');
    const closing = worker.close(5000);
    release();
    await closing;
    const counts = await queue.counts();
    expect(counts.running).toBe(0);
    expect(counts.success).toBe(started);
    expect(counts.pending).toBe(200 - started);
    const pending = await queue.list('pending', { limit: 200 });
    expect(pending.every((job) => job.attempts === 0)).toBe(true);
  });

  it('refuses a negative or fractional prefetch', () => {
    expect(() => new Worker('q', { connection: redis.url, handlers: {}, prefetch: -1 })).toThrow(ValidationError);
    expect(() => new Worker('q', { connection: redis.url, handlers: {}, prefetch: 1.5 })).toThrow(ValidationError);
  });
});
