import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { Queue, RedisUnavailableError, type JobContext } from '../../src/index.js';
import { ChildProcessLines } from '../helpers/child.js';
import { queueFactory, uniqueQueue, until, useRedisServer } from '../helpers/fixtures.js';
import { RedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);
const workerScript = fileURLToPath(new URL('../fixtures/worker-process.mjs', import.meta.url));

describe('worker loss and fencing', () => {
  it('recovers the job of a SIGKILLed worker and completes it elsewhere', async () => {
    const queue = open();
    const { id } = await queue.enqueue('work', {}, { maxAttempts: 3 });
    const child = new ChildProcessLines(workerScript, { REDIS_URL: redis.url, QUEUE: queue.name, LEASE_MS: '500', MODE: 'hang' });
    try {
      await until(() => child.has((l) => l.event === 'started' && l.id === id), 10_000, 'child started the job');
      await child.kill('SIGKILL');
    } finally {
      await child.kill();
    }
    expect((await queue.requireJob(id)).status).toBe('running');
    const worker = work(queue, { handlers: { work: () => 'rescued' } });
    await worker.start();
    const job = await queue.waitFor(id, { timeoutMs: 10_000 });
    expect(job).toMatchObject({ status: 'success', attempts: 2, result: 'rescued' });
  });

  it('refuses the late completion of a worker whose lease expired', async () => {
    const queue = open();
    const { id } = await queue.enqueue('work');
    const child = new ChildProcessLines(workerScript, {
      REDIS_URL: redis.url,
      QUEUE: queue.name,
      LEASE_MS: '300',
      MODE: 'freeze',
      FREEZE_MS: '2500',
    });
    try {
      await until(() => child.has((l) => l.event === 'started'), 10_000, 'child started the job');
      // the child's event loop is frozen now: no heartbeat; another worker takes the job over
      const worker = work(queue, { handlers: { work: () => 'second worker' } });
      await worker.start();
      expect((await queue.waitFor(id, { timeoutMs: 10_000 })).result).toBe('second worker');
      await until(() => child.has((l) => l.event === 'warning' && String(l.message).includes('lease lost')), 10_000, 'refusal');
      const job = await queue.requireJob(id);
      expect(job).toMatchObject({ status: 'success', attempts: 2, result: 'second worker' });
      expect(child.has((l) => l.event === 'attempt' && l.id === id)).toBe(false);
    } finally {
      await child.kill();
    }
  });
});

describe('graceful shutdown', () => {
  it('close(timeout) hands unfinished jobs back as pending at once, attempt not counted', async () => {
    const queue = open();
    const { id: finishing } = await queue.enqueue('quick');
    const stuck = await queue.enqueueMany([{ type: 'stuck' }, { type: 'stuck' }]);
    const worker = work(queue, {
      concurrency: 3,
      handlers: {
        quick: () => new Promise((resolve) => setTimeout(() => resolve('done'), 100)),
        stuck: () => new Promise(() => {}),
      },
    });
    await worker.start();
    await until(async () => (await queue.counts()).running === 3, 5000, 'three running');
    const started = Date.now();
    await worker.close(400);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await queue.requireJob(finishing)).status).toBe('success');
    for (const { id } of stuck) {
      expect(await queue.requireJob(id)).toMatchObject({ status: 'pending', attempts: 0 });
    }
    expect(await queue.counts()).toMatchObject({ pending: 2, running: 0 });
  });
});

describe('Redis faults', () => {
  it('carries on after a Redis restart (AOF) and after SCRIPT FLUSH', async () => {
    const server = await new RedisServer({ appendOnly: true }).start();
    const name = uniqueQueue();
    const queue = new Queue(name, { connection: server.url });
    const { Worker } = await import('../../src/index.js');
    const done = new Set<string>();
    const worker = new Worker(name, {
      connection: server.url,
      concurrency: 4,
      // A claim whose reply dies with the killed server, or whose outcome falls in the AOF's
      // last unsynced second, leaves a job leased to nobody: its lease expiring is what brings
      // it back, so keep the lease short enough for this test's window.
      leaseMs: 2000,
      handlers: { t: (_p, ctx: JobContext) => new Promise((resolve) => setTimeout(() => resolve(done.add(ctx.id).size), 5)) },
    });
    try {
      const first = await queue.enqueueMany(Array.from({ length: 200 }, () => ({ type: 't' })));
      await worker.start();
      await until(() => done.size >= 20, 10_000, 'some progress');
      await server.restart();
      const admin = new Redis(server.url);
      await admin.script('FLUSH');
      await admin.quit();
      let second: { id: string }[] = [];
      await until(
        async () => {
          try {
            second = await queue.enqueueMany(Array.from({ length: 50 }, () => ({ type: 't' })));
            return true;
          } catch {
            return false;
          }
        },
        10_000,
        'enqueue after restart',
      );
      await until(async () => {
        const counts = await queue.counts();
        return counts.pending + counts.running + counts.retrying === 0;
      }, 20_000, 'all jobs done');
      for (const { id } of [...first, ...second]) expect((await queue.requireJob(id)).status).toBe('success');
    } finally {
      await worker.close(1000);
      await queue.close();
      await server.stop();
    }
  });

  it('enqueue fails fast with RedisUnavailableError when Redis is unreachable', async () => {
    const server = await new RedisServer().start();
    const url = server.url;
    await server.stop();
    const queue = new Queue(uniqueQueue(), { connection: url });
    const started = Date.now();
    await expect(queue.enqueue('t')).rejects.toBeInstanceOf(RedisUnavailableError);
    expect(Date.now() - started).toBeLessThan(2500);
    await queue.close();
  });

  it('warns at start when maxmemory-policy is not noeviction', async () => {
    const server = await new RedisServer({ args: ['--maxmemory-policy', 'allkeys-lru'] }).start();
    const warnings: string[] = [];
    const { Worker } = await import('../../src/index.js');
    const worker = new Worker(uniqueQueue(), { connection: server.url, handlers: {}, onWarning: (m) => warnings.push(m) });
    await worker.start();
    await worker.close(100);
    await server.stop();
    expect(warnings.some((w) => w.includes('allkeys-lru') && w.includes('noeviction'))).toBe(true);
  });
});

describe('volume and idempotency', () => {
  it('bulk-enqueues 10,000 jobs and processes them all', async () => {
    const queue = open();
    const specs = Array.from({ length: 10_000 }, (_, n) => ({ type: 'n', payload: { n } }));
    const results = await queue.enqueueMany(specs);
    expect(new Set(results.map((r) => r.id)).size).toBe(10_000);
    expect((await queue.counts()).pending).toBe(10_000);
    let sum = 0;
    const worker = work(queue, { concurrency: 16, handlers: { n: (p: { n: number }) => void (sum += p.n) } });
    await worker.start();
    await until(async () => (await queue.counts()).pending + (await queue.counts()).running === 0, 30_000, 'drained');
    expect(sum).toBe((9999 * 10_000) / 2);
  });

  it('an idempotency key returns the first job and writes nothing', async () => {
    const queue = open();
    const first = await queue.enqueue('charge', { amount: 5 }, { idempotencyKey: 'order-17' });
    const again = await queue.enqueue('charge', { amount: 999 }, { idempotencyKey: 'order-17' });
    expect(again).toEqual({ id: first.id, duplicate: true });
    expect((await queue.counts()).pending).toBe(1);
    expect((await queue.requireJob(first.id)).payload).toEqual({ amount: 5 });
    const bulk = await queue.enqueueMany([
      { type: 'charge', options: { idempotencyKey: 'order-18' } },
      { type: 'charge', options: { idempotencyKey: 'order-18' } },
    ]);
    expect(bulk[1]).toEqual({ id: bulk[0]!.id, duplicate: true });
  });

  it('dead-letter queue: list by type, retry all of a type, purge by age and all', async () => {
    const queue = open();
    await queue.enqueueMany([
      { type: 'a', options: { maxAttempts: 1 } },
      { type: 'b', options: { maxAttempts: 1 } },
      { type: 'a', options: { maxAttempts: 1 } },
    ]);
    let healthy = false;
    const fail = (): string => {
      if (!healthy) throw new Error('broken');
      return 'fixed';
    };
    const worker = work(queue, { handlers: { a: fail, b: fail } });
    await worker.start();
    await until(async () => (await queue.deadLetters.size()) === 3, 5000, 'three dead');
    expect((await queue.deadLetters.list({ type: 'a' })).map((j) => j.type)).toEqual(['a', 'a']);
    expect((await queue.deadLetters.list({ limit: 1, offset: 1 })).map((j) => j.type)).toEqual(['b']);
    healthy = true;
    expect(await queue.deadLetters.retryAll({ type: 'a' })).toBe(2);
    await until(async () => (await queue.counts()).success === 2, 5000, 'two fixed');
    expect(await queue.deadLetters.purge({ olderThanMs: 60_000 })).toBe(0);
    expect(await queue.deadLetters.purge()).toBe(1);
    expect(await queue.deadLetters.size()).toBe(0);
  });
});
