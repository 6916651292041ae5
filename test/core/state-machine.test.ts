import { describe, expect, it } from 'vitest';
import { InvalidStateError, JobNotFoundError, PermanentError, retryDelay, type JobContext } from '../../src/index.js';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);

const fast = { baseMs: 10, capMs: 20 };

describe('state machine', () => {
  it('pending -> running -> success, with startedAt and finishedAt', async () => {
    const queue = open();
    let seen: string | undefined;
    const { id } = await queue.enqueue('t', { n: 1 });
    const worker = work(queue, {
      handlers: {
        t: async (_p, ctx: JobContext) => {
          seen = (await queue.requireJob(ctx.id)).status;
          return 'ok';
        },
      },
    });
    await worker.start();
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(seen).toBe('running');
    expect(job).toMatchObject({ status: 'success', attempts: 1, result: 'ok', error: null });
    expect(job.startedAt).not.toBeNull();
    expect(job.finishedAt!.getTime()).toBeGreaterThanOrEqual(job.startedAt!.getTime());
    expect(await queue.counts()).toMatchObject({ pending: 0, running: 0, success: 1 });
  });

  it('running -> retrying -> pending -> running -> success', async () => {
    const queue = open();
    const { id } = await queue.enqueue('flaky', {}, { backoff: { baseMs: 300, capMs: 300 } });
    let calls = 0;
    const worker = work(queue, {
      handlers: {
        flaky: () => {
          calls += 1;
          if (calls === 1) throw new Error('first try fails');
          return 'second';
        },
      },
    });
    await worker.start();
    await until(async () => (await queue.getJob(id))?.status === 'retrying' || calls > 1, 5000, 'retrying');
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job).toMatchObject({ status: 'success', attempts: 2, result: 'second' });
  });

  it('a PermanentError skips the remaining retries', async () => {
    const queue = open();
    const { id } = await queue.enqueue('bad', {}, { maxAttempts: 5 });
    const worker = work(queue, {
      handlers: {
        bad: () => {
          throw new PermanentError('404 from peer');
        },
      },
    });
    await worker.start();
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job).toMatchObject({ status: 'failed', attempts: 1, error: '404 from peer' });
    expect(job.stack).toContain('PermanentError');
    expect((await queue.deadLetters.list()).map((j) => j.id)).toEqual([id]);
  });

  it('a job over its timeout is aborted and counts as a failed attempt', async () => {
    const queue = open();
    const { id } = await queue.enqueue('slow', {}, { timeout: 100, maxAttempts: 2, backoff: fast });
    const aborted: boolean[] = [];
    const worker = work(queue, {
      handlers: {
        slow: (_p, ctx: JobContext) =>
          new Promise((resolve) => {
            ctx.signal.addEventListener('abort', () => aborted.push(true));
            setTimeout(resolve, 2000);
          }),
      },
    });
    await worker.start();
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(2);
    expect(job.error).toContain('timed out after 100 ms');
    expect(aborted.length).toBe(2);
  });

  it('a job of an unknown type is handed back, its attempts untouched, naming the type', async () => {
    const queue = open();
    const { id } = await queue.enqueue('nobody-knows', {}, { maxAttempts: 2, backoff: fast });
    const worker = work(queue, { handlers: {} });
    await worker.start();
    await until(async () => (await queue.requireJob(id)).error !== null, 5000, 'handed back');
    const job = await queue.requireJob(id);
    expect(job).toMatchObject({ status: 'pending', attempts: 0 });
    expect(job.error).toContain('no handler for job type "nobody-knows"');
    expect(await queue.counts()).toMatchObject({ scheduled: 1, failed: 0 });
  });

  it('cancels pending, scheduled and retrying jobs; refuses finished ones', async () => {
    const queue = open();
    const ready = await queue.enqueue('t');
    const later = await queue.enqueue('t', {}, { delay: 60_000 });
    expect(await queue.cancel(ready.id)).toBe('cancelled');
    expect(await queue.cancel(later.id)).toBe('cancelled');
    expect(await queue.counts()).toMatchObject({ pending: 0, scheduled: 0, cancelled: 2 });

    const retrying = await queue.enqueue('fail-once', {}, { backoff: { baseMs: 60_000, capMs: 60_000 } });
    const worker = work(queue, {
      handlers: {
        'fail-once': () => {
          throw new Error('no');
        },
        t: () => 'ran',
      },
    });
    await worker.start();
    await until(async () => (await queue.getJob(retrying.id))?.status === 'retrying', 5000, 'retrying');
    expect(await queue.cancel(retrying.id)).toBe('cancelled');
    expect((await queue.requireJob(retrying.id)).status).toBe('cancelled');

    // the cancelled job left in the ready list is skipped, never run
    const after = await queue.enqueue('t');
    expect((await queue.waitFor(after.id, { timeoutMs: 5000 })).status).toBe('success');
    expect((await queue.requireJob(ready.id)).status).toBe('cancelled');
    await expect(queue.cancel(after.id)).rejects.toBeInstanceOf(InvalidStateError);
    await expect(queue.cancel('424242')).rejects.toBeInstanceOf(JobNotFoundError);
    expect((await queue.counts()).pending).toBe(0);
  });

  it('cancelling a running job aborts its signal and ends it cancelled', async () => {
    const queue = open();
    const { id } = await queue.enqueue('long');
    const worker = work(queue, {
      leaseMs: 300,
      handlers: {
        long: (_p, ctx: JobContext) =>
          new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
      },
    });
    await worker.start();
    await until(async () => (await queue.getJob(id))?.status === 'running', 5000, 'running');
    expect(await queue.cancel(id)).toBe('requested');
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('cancelled');
  });

  it('dead-letter retry resets attempts; retrying a job that is not failed is refused', async () => {
    const queue = open();
    let fail = true;
    const { id } = await queue.enqueue('x', {}, { maxAttempts: 1 });
    const worker = work(queue, {
      handlers: {
        x: () => {
          if (fail) throw new Error('down');
          return 'up';
        },
      },
    });
    await worker.start();
    expect((await queue.waitFor(id, { timeoutMs: 5000 })).status).toBe('failed');
    fail = false;
    expect(await queue.deadLetters.retry([id])).toBe(1);
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job).toMatchObject({ status: 'success', attempts: 1, error: null, result: 'up' });
    await expect(queue.deadLetters.retry([id])).rejects.toBeInstanceOf(InvalidStateError);
  });
});

describe('ordering, delay, pause', () => {
  it('runs higher priority first, then oldest first', async () => {
    const queue = open();
    await queue.pause();
    const low = await queue.enqueue('t', { n: 'low' });
    const high = await queue.enqueue('t', { n: 'high' }, { priority: 10 });
    const mid = await queue.enqueue('t', { n: 'mid' }, { priority: 5 });
    const low2 = await queue.enqueue('t', { n: 'low2' });
    const order: string[] = [];
    const worker = work(queue, { handlers: { t: (_p, ctx: JobContext) => void order.push(ctx.id) } });
    await worker.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(order).toEqual([]);
    await queue.resume();
    await until(() => order.length === 4, 5000, 'four jobs');
    expect(order).toEqual([high.id, mid.id, low.id, low2.id]);
  });

  it('a delayed job is scheduled, then runs when due', async () => {
    const queue = open();
    const started: number[] = [];
    const worker = work(queue, { handlers: { t: () => void started.push(Date.now()) } });
    await worker.start();
    const enqueuedAt = Date.now();
    const { id } = await queue.enqueue('t', {}, { delay: 300 });
    expect((await queue.counts()).scheduled).toBe(1);
    expect((await queue.list('scheduled')).map((j) => j.id)).toEqual([id]);
    await queue.waitFor(id, { timeoutMs: 5000 });
    expect(started[0]! - enqueuedAt).toBeGreaterThanOrEqual(290);
    expect(started[0]! - enqueuedAt).toBeLessThan(3000);
  });

  it('retry delays stay within the full-jitter bounds', async () => {
    expect(retryDelay(1, { baseMs: 100, capMs: 1000 }, () => 0.999999)).toBe(100);
    expect(retryDelay(3, { baseMs: 100, capMs: 1000 }, () => 0.999999)).toBe(400);
    expect(retryDelay(10, { baseMs: 100, capMs: 1000 }, () => 0.999999)).toBe(1000);
    expect(retryDelay(4, { baseMs: 100, capMs: 1000 }, () => 0)).toBe(0);

    // Measured on Redis's clock through the event stream, so a slow machine cannot skew it:
    // each retry is due within [0, bound] of its failure, and starts no sooner than due.
    const queue = open();
    await queue.events.enable();
    const { id } = await queue.enqueue('f', {}, { maxAttempts: 4, backoff: { baseMs: 100, capMs: 150 } });
    const worker = work(queue, {
      handlers: {
        f: () => {
          throw new Error('again');
        },
      },
    });
    await worker.start();
    await queue.waitFor(id, { timeoutMs: 5000 });
    const events = await queue.events.read();
    const retries = events.filter((e) => e.event === 'retrying');
    const starts = events.filter((e) => e.event === 'started');
    expect(retries.length).toBe(3);
    expect(starts.length).toBe(4);
    const bounds = [100, 150, 150];
    retries.forEach((retry, i) => {
      const delay = retry.dueAt!.getTime() - retry.time.getTime();
      // ±1 ms: the stream entry's id and the due time come from the same script's clock reads
      expect(delay).toBeGreaterThanOrEqual(-1);
      expect(delay).toBeLessThanOrEqual(bounds[i]! + 1);
      expect(starts[i + 1]!.time.getTime()).toBeGreaterThanOrEqual(retry.dueAt!.getTime());
    });
  });

  it("honours an error's retryAfterMs, capped by the backoff cap", async () => {
    const queue = open();
    const starts: number[] = [];
    const { id } = await queue.enqueue('busy', {}, { maxAttempts: 3, backoff: { baseMs: 10, capMs: 400 } });
    const worker = work(queue, {
      handlers: {
        busy: () => {
          starts.push(Date.now());
          throw Object.assign(new Error('429 Too Many Requests'), { retryAfterMs: 250 + (starts.length - 1) * 10_000 });
        },
      },
    });
    await worker.start();
    await queue.waitFor(id, { timeoutMs: 5000 });
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(240);
    // the second asks for 10 s, but the cap is 400 ms
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(390);
    expect(starts[2]! - starts[1]!).toBeLessThan(1500);
  });
});
