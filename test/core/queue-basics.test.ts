import { describe, expect, it } from 'vitest';
import { ValidationError, QueueFullError, JobNotFoundError, InvalidStateError } from '../../src/index.js';
import { queueFactory, uniqueQueue, until, useRedisServer } from '../helpers/fixtures.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);

describe('enqueue and inspect', () => {
  it('stores a pending job with its options and counts it', async () => {
    const queue = open();
    const { id, duplicate } = await queue.enqueue('send-email', { to: 'a@example.com' }, { maxAttempts: 5, priority: 0 });
    expect(duplicate).toBe(false);
    const job = await queue.requireJob(id);
    expect(job).toMatchObject({ id, type: 'send-email', status: 'pending', attempts: 0, maxAttempts: 5 });
    expect(job.payload).toEqual({ to: 'a@example.com' });
    expect((await queue.counts()).pending).toBe(1);
  });

  it('refuses bad options with a ValidationError and writes nothing', async () => {
    const queue = open();
    await expect(queue.enqueue('x', {}, { maxAttempts: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(queue.enqueue('bad type', {})).rejects.toBeInstanceOf(ValidationError);
    await expect(queue.enqueue('x', {}, { delay: 10, runAt: Date.now() })).rejects.toBeInstanceOf(ValidationError);
    expect((await queue.counts()).pending).toBe(0);
  });

  it('runs a job and stores its result', async () => {
    const queue = open();
    const { id } = await queue.enqueue('add', { a: 2, b: 3 });
    const worker = work(queue, { handlers: { add: (p: { a: number; b: number }) => p.a + p.b } });
    await worker.start();
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('success');
    expect(job.result).toBe(5);
    expect(job.attempts).toBe(1);
  });

  it('retries then dead-letters after maxAttempts', async () => {
    const queue = open();
    const { id } = await queue.enqueue('boom', {}, { maxAttempts: 3, backoff: { baseMs: 10, capMs: 20 } });
    const worker = work(queue, {
      handlers: {
        boom: () => {
          throw new Error('kaboom');
        },
      },
    });
    await worker.start();
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(3);
    expect(job.error).toBe('kaboom');
    expect(await queue.deadLetters.size()).toBe(1);
  });

  it('refuses past maxPending', async () => {
    const queue = open(uniqueQueue(), { maxPending: 2 });
    await queue.enqueue('a');
    await queue.enqueue('a');
    await expect(queue.enqueue('a')).rejects.toBeInstanceOf(QueueFullError);
    expect((await queue.counts()).pending).toBe(2);
  });

  it('cancel refuses unknown and finished jobs', async () => {
    const queue = open();
    await expect(queue.cancel('999')).rejects.toBeInstanceOf(JobNotFoundError);
    const { id } = await queue.enqueue('a');
    expect(await queue.cancel(id)).toBe('cancelled');
    await expect(queue.cancel(id)).rejects.toBeInstanceOf(InvalidStateError);
    await until(async () => (await queue.counts()).cancelled === 1);
  });
});

describe('hostile payloads', () => {
  it('refuses a payload over the size limit before writing anything', async () => {
    const queue = open(uniqueQueue(), { maxPayloadBytes: 1000 });
    await expect(queue.enqueue('big', { blob: 'x'.repeat(2000) })).rejects.toThrow(/over the 1000-byte limit/);
    const defaults = open();
    await expect(defaults.enqueue('big', { blob: 'x'.repeat(2 * 1024 * 1024) })).rejects.toBeInstanceOf(ValidationError);
    expect(await queue.handle.call((r) => r.keys(`*${queue.name}*`))).toEqual([]);
    expect(await queue.handle.call((r) => r.sismember('jobs:queues', queue.name))).toBe(0);
  });

  it('keeps __proto__ and constructor keys as plain data', async () => {
    const queue = open();
    const payload = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}') as object;
    const { id } = await queue.enqueue('t', payload);
    const job = await queue.requireJob(id);
    expect(JSON.stringify(job.payload)).toBe(JSON.stringify(payload));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('treats ids with glob characters as plain, unknown ids', async () => {
    const queue = open();
    await queue.enqueue('t');
    for (const id of ['*', '1*', '?', '[1]']) expect(await queue.getJob(id)).toBeNull();
    await expect(queue.cancel('*')).rejects.toBeInstanceOf(JobNotFoundError);
  });
});

describe('concurrent enqueues', () => {
  it('share script calls but each gets its own id, duplicate flag or error', async () => {
    const queue = open();
    const calls = Array.from({ length: 500 }, (_, n) => queue.enqueue('t', { n }));
    const sameKey = [queue.enqueue('t', {}, { idempotencyKey: 'k' }), queue.enqueue('t', {}, { idempotencyKey: 'k' })];
    const bad = expect(queue.enqueue('t', {}, { priority: -1 })).rejects.toBeInstanceOf(ValidationError);
    const results = await Promise.all(calls);
    expect(new Set(results.map((r) => r.id)).size).toBe(500);
    const [first, second] = await Promise.all(sameKey);
    expect(second).toEqual({ id: first!.id, duplicate: true });
    await bad;
    expect((await queue.counts()).pending).toBe(501);
    const jobs = await queue.getJobs(results.slice(0, 3).map((r) => r.id));
    expect(jobs.map((j) => j.payload)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
  });
});
