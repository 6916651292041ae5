import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, Worker, type JobContext } from '../../src/index.js';
import { ChildProcessLines } from '../helpers/child.js';
import { uniqueQueue, until } from '../helpers/fixtures.js';
import { RedisCluster } from '../helpers/redis-cluster.js';

const cluster = new RedisCluster();
beforeAll(async () => {
  await cluster.start();
}, 60_000);
afterAll(async () => {
  await cluster.stop();
});

describe('Redis Cluster', () => {
  it('enqueues, processes, retries, delays and dead-letters without CROSSSLOT errors', async () => {
    const queue = new Queue(uniqueQueue('cluster'), { connection: cluster.url });
    const warnings: string[] = [];
    let flakyCalls = 0;
    const worker = new Worker(queue.name, {
      connection: cluster.url,
      concurrency: 4,
      handlers: {
        ok: (p: { n: number }) => p.n * 2,
        flaky: () => {
          flakyCalls += 1;
          if (flakyCalls === 1) throw new Error('once');
          return 'recovered';
        },
        dead: () => {
          throw new Error('always');
        },
      },
      onWarning: (message) => warnings.push(message),
    });
    try {
      const oks = await queue.enqueueMany(Array.from({ length: 200 }, (_, n) => ({ type: 'ok', payload: { n } })));
      const flaky = await queue.enqueue('flaky', {}, { backoff: { baseMs: 10, capMs: 10 } });
      const dead = await queue.enqueue('dead', {}, { maxAttempts: 2, backoff: { baseMs: 10, capMs: 10 } });
      const delayed = await queue.enqueue('ok', { n: 1 }, { delay: 200 });
      await worker.start();
      expect((await queue.waitFor(dead.id, { timeoutMs: 10_000 })).status).toBe('failed');
      expect((await queue.waitFor(flaky.id, { timeoutMs: 10_000 })).result).toBe('recovered');
      expect((await queue.waitFor(delayed.id, { timeoutMs: 10_000 })).result).toBe(2);
      await until(async () => (await queue.counts()).success === 202, 10_000, 'all ok jobs');
      expect((await queue.requireJob(oks[7]!.id)).result).toBe(14);
      expect(await queue.deadLetters.retry([dead.id])).toBe(1);
      expect((await queue.waitFor(dead.id, { timeoutMs: 10_000 })).attempts).toBe(2);
      expect(warnings.filter((w) => /CROSSSLOT/i.test(w))).toEqual([]);
    } finally {
      await worker.close(1000);
      await queue.close();
    }
  });

  it('spreads different queues over different masters', async () => {
    const ports = new Set<number>();
    for (let n = 0; n < 12 && ports.size < 2; n += 1) {
      const queue = new Queue(`spread-${n}`, { connection: cluster.url });
      await queue.enqueue('t');
      ports.add(await cluster.masterPortOf(queue.handle.keys.ready));
      await queue.close();
    }
    expect(ports.size).toBeGreaterThan(1);
  });

  it('a cancelled running job ends cancelled on a cluster too', async () => {
    const queue = new Queue(uniqueQueue('cluster'), { connection: cluster.url });
    const worker = new Worker(queue.name, {
      connection: cluster.url,
      leaseMs: 300,
      handlers: {
        long: (_p, ctx: JobContext) =>
          new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
      },
    });
    try {
      const { id } = await queue.enqueue('long');
      await worker.start();
      await until(async () => (await queue.getJob(id))?.status === 'running', 5000, 'running');
      await queue.cancel(id);
      expect((await queue.waitFor(id, { timeoutMs: 5000 })).status).toBe('cancelled');
    } finally {
      await worker.close(500);
      await queue.close();
    }
  });

  it('recovers the job of a SIGKILLed worker process on a cluster', async () => {
    const queue = new Queue(uniqueQueue('cluster'), { connection: cluster.url });
    const script = fileURLToPath(new URL('../fixtures/worker-process.mjs', import.meta.url));
    const child = new ChildProcessLines(script, { REDIS_URL: cluster.url, QUEUE: queue.name, LEASE_MS: '500', MODE: 'hang' });
    const worker = new Worker(queue.name, { connection: cluster.url, handlers: { work: () => 'rescued' } });
    try {
      const { id } = await queue.enqueue('work');
      await until(() => child.has((l) => l.event === 'started' && l.id === id), 10_000, 'child started the job');
      await child.kill('SIGKILL');
      await worker.start();
      expect(await queue.waitFor(id, { timeoutMs: 10_000 })).toMatchObject({ status: 'success', attempts: 2, result: 'rescued' });
    } finally {
      await child.kill();
      await worker.close(500);
      await queue.close();
    }
  });

  it('fires cron schedules on a cluster', async () => {
    const queue = new Queue(uniqueQueue('cluster'), { connection: cluster.url });
    const ran: string[] = [];
    const worker = new Worker(queue.name, { connection: cluster.url, handlers: { tick: (_p, ctx: JobContext) => void ran.push(ctx.id) } });
    try {
      await queue.schedules.add('every-second', { cron: '* * * * * *', type: 'tick' });
      const { jobId } = await queue.schedules.trigger('every-second');
      await worker.start();
      expect((await queue.waitFor(jobId, { timeoutMs: 5000 })).status).toBe('success');
      await until(() => ran.length >= 3, 10_000, 'scheduled ticks');
      const history = await queue.schedules.history('every-second');
      expect(history.filter((h) => h.outcome === 'fired').length).toBeGreaterThanOrEqual(2);
    } finally {
      await worker.close(500);
      await queue.close();
    }
  });
});
