// Enqueue at the edges: a retry with a seen idempotency key is answered as a duplicate even
// when the queue is full; a null payload stays null; many concurrent enqueues on a fresh
// Queue leave no listener warning.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueFullError } from '../../src/index.js';
import { queueFactory, uniqueQueue, useRedisServer } from '../helpers/fixtures.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);
let admin: Redis;
beforeAll(() => {
  admin = new Redis(redis.url);
});
afterAll(async () => {
  await admin.quit();
});

describe('maxPending and idempotency keys', () => {
  it('a retry of an acknowledged enqueue is answered as a duplicate, never refused as full', async () => {
    const queue = open(uniqueQueue(), { maxPending: 2 });
    const first = await queue.enqueue('t', { n: 1 }, { idempotencyKey: 'order-1' });
    await queue.enqueue('t', { n: 2 }, { idempotencyKey: 'order-2', delay: 60_000 });
    const seq = await admin.get(queue.handle.keys.seq);

    // the queue is full: a new job is refused, a retry of either acknowledged one is not
    await expect(queue.enqueue('t', { n: 3 }, { idempotencyKey: 'order-3' })).rejects.toBeInstanceOf(QueueFullError);
    expect(await queue.enqueue('t', { n: 1 }, { idempotencyKey: 'order-1' })).toEqual({ id: first.id, duplicate: true });
    const retried = await queue.enqueueMany([
      { type: 't', options: { idempotencyKey: 'order-2' } },
      { type: 't', options: { idempotencyKey: 'order-1' } },
    ]);
    expect(retried.map((r) => r.duplicate)).toEqual([true, true]);

    // nothing was written by the refusal or the duplicates
    expect(await admin.get(queue.handle.keys.seq)).toBe(seq);
    expect(await admin.exists(`${queue.handle.keys.base}idem:order-3`)).toBe(0);
    expect(await queue.counts()).toMatchObject({ pending: 1, scheduled: 1 });
  });

  it('a batch of duplicates and new jobs counts only the new ones against the limit', async () => {
    const queue = open(uniqueQueue(), { maxPending: 2 });
    await queue.enqueue('t', {}, { idempotencyKey: 'a' });
    const mixed = await queue.enqueueMany([
      { type: 't', options: { idempotencyKey: 'a' } },
      { type: 't', options: { idempotencyKey: 'b' } },
    ]);
    expect(mixed.map((r) => r.duplicate)).toEqual([true, false]);
    // one key twice in one batch is one new job
    const other = open(uniqueQueue(), { maxPending: 1 });
    const twice = await other.enqueueMany([
      { type: 't', options: { idempotencyKey: 'same' } },
      { type: 't', options: { idempotencyKey: 'same' } },
    ]);
    expect(twice.map((r) => r.duplicate)).toEqual([false, true]);
    expect(twice[1]?.id).toBe(twice[0]?.id);
    await expect(queue.enqueue('t', {}, { idempotencyKey: 'c' })).rejects.toBeInstanceOf(QueueFullError);
    expect((await queue.counts()).pending).toBe(2);
  });
});

describe('payloads', () => {
  it('a null payload reaches the handler as null; no payload as {}', async () => {
    const queue = open();
    const { id: nullId } = await queue.enqueue('kind', null);
    const { id: noneId } = await queue.enqueue('kind');
    const worker = work(queue, { handlers: { kind: (payload: unknown) => (payload === null ? 'null' : JSON.stringify(payload)) } });
    await worker.start();
    expect((await queue.waitFor(nullId, { timeoutMs: 10_000 })).result).toBe('null');
    expect((await queue.waitFor(noneId, { timeoutMs: 10_000 })).result).toBe('{}');
    expect(await admin.get(`${queue.handle.keys.base}p:${nullId}`)).toBe('null');
  });
});

describe('a fresh Queue under load', () => {
  it('200 concurrent enqueues (and reads) print no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(`${warning.name}: ${warning.message}`);
    };
    process.on('warning', onWarning);
    try {
      for (const options of [{}, { maxPending: 10_000 }]) {
        const queue = new Queue(uniqueQueue(), { connection: redis.url, ...options });
        try {
          const results = await Promise.all(Array.from({ length: 200 }, (_, n) => queue.enqueue('t', { n })));
          expect(new Set(results.map((r) => r.id)).size).toBe(200);
        } finally {
          await queue.close();
        }
        const reader = new Queue(queue.name, { connection: redis.url });
        try {
          const jobs = await Promise.all(results200(reader));
          expect(jobs.filter((job) => job?.status === 'pending')).toHaveLength(200);
        } finally {
          await reader.close();
        }
      }
      // warnings are emitted on the next tick
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  });
});

/** 200 concurrent reads of jobs 1..200 on a fresh Queue. */
function results200(queue: Queue): Promise<Awaited<ReturnType<Queue['getJob']>>>[] {
  return Array.from({ length: 200 }, (_, n) => queue.getJob(String(n + 1)));
}
