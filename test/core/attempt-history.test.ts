// A job's per-attempt history: attempts that did not succeed are kept in a capped list per job,
// the running or successful attempt comes from the job hash, and the list goes with the job.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimJobs } from '../../src/core/claim.js';
import { historyKey } from '../../src/core/keys.js';
import type { Job, Queue } from '../../src/index.js';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);
let client: Redis;
beforeAll(() => {
  client = new Redis(redis.url);
});
afterAll(() => client.disconnect());

const fast = { baseMs: 1, capMs: 5 };
const historyExists = async (queue: Queue, id: string): Promise<boolean> => (await client.exists(historyKey(queue.handle.keys, id))) === 1;

/** Runs `id` to an end state with a handler failing the first `failures` attempts. */
async function runFlaky(queue: Queue, id: string, failures: number, retention = {}): Promise<{ job: Job; workerId: string }> {
  const worker = work(queue, {
    retention,
    handlers: {
      flaky: (_payload, ctx) => {
        if (ctx.attempt <= failures) throw new Error(`try ${ctx.attempt} failed`);
        return 'ok';
      },
    },
  });
  await worker.start();
  const job = await queue.waitFor(id, { timeoutMs: 20_000 });
  return { job, workerId: worker.registrationId };
}

function expectOrdered(job: Job): void {
  let last = 0;
  for (const attempt of job.history) {
    const start = attempt.startedAt?.getTime() ?? Number.NaN;
    const end = attempt.finishedAt?.getTime() ?? Number.NaN;
    expect(start).toBeGreaterThanOrEqual(last);
    expect(end).toBeGreaterThanOrEqual(start);
    last = end;
  }
}

describe('attempt history', () => {
  it('lists two failed attempts and the success, in order, with worker, errors and times', async () => {
    const queue = open();
    const { id } = await queue.enqueue('flaky', {}, { maxAttempts: 3, backoff: fast });
    const { job, workerId } = await runFlaky(queue, id, 2);
    expect(job.status).toBe('success');
    expect(job.attempts).toBe(3);
    expect(job.history.map((a) => [a.attempt, a.outcome, a.error, a.worker])).toEqual([
      [1, 'retrying', 'try 1 failed', workerId],
      [2, 'retrying', 'try 2 failed', workerId],
      [3, 'success', null, workerId],
    ]);
    expectOrdered(job);
    expect(job.history[2]?.startedAt).toEqual(job.startedAt);
    expect(job.history[2]?.finishedAt).toEqual(job.finishedAt);
  });

  it('ends with the failed attempt of a dead-lettered job', async () => {
    const queue = open();
    const { id } = await queue.enqueue('flaky', {}, { maxAttempts: 2, backoff: fast });
    const { job } = await runFlaky(queue, id, 5);
    expect(job.status).toBe('failed');
    expect(job.history.map((a) => [a.outcome, a.error])).toEqual([
      ['retrying', 'try 1 failed'],
      ['failed', 'try 2 failed'],
    ]);
    expectOrdered(job);
  });

  it('shows a lease expiry with the worker that lost it', async () => {
    const queue = open();
    const { id } = await queue.enqueue('flaky', {}, { maxAttempts: 3 });
    const reply = await claimJobs(queue.handle, { leaseMs: 100, want: 1, upkeep: true, outcomes: [], workerId: 'lost-worker' });
    expect(reply.jobs).toHaveLength(1);
    const running = await queue.requireJob(id);
    expect(running.history.map((a) => [a.outcome, a.worker, a.finishedAt])).toEqual([['running', 'lost-worker', null]]);
    const { job, workerId } = await runFlaky(queue, id, 0);
    expect(job.history.map((a) => [a.attempt, a.outcome, a.worker])).toEqual([
      [1, 'lease-expired', 'lost-worker'],
      [2, 'success', workerId],
    ]);
    expect(job.history[0]?.error).toMatch(/^lease expired/);
    expectOrdered(job);
  });

  it('records a hand-back at shutdown and a cancel of a running job', async () => {
    const queue = open();
    const { id } = await queue.enqueue('hang', {}, { maxAttempts: 3 });
    const hang = (_payload: unknown, ctx: { signal: AbortSignal }): Promise<never> =>
      new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stopped'))));
    const first = work(queue, { handlers: { hang } });
    await first.start();
    await until(async () => (await queue.requireJob(id)).status === 'running', 10_000, 'first attempt running');
    await first.close(50);
    await until(async () => (await queue.requireJob(id)).status === 'pending', 10_000, 'handed back');
    const second = work(queue, { handlers: { hang } });
    await second.start();
    await until(async () => (await queue.requireJob(id)).status === 'running', 10_000, 'second attempt running');
    await queue.cancel(id);
    const job = await queue.waitFor(id, { timeoutMs: 10_000 });
    expect(job.status).toBe('cancelled');
    expect(job.history.map((a) => [a.attempt, a.outcome, a.worker])).toEqual([
      [1, 'handed-back', first.registrationId],
      [1, 'cancelled', second.registrationId],
    ]);
    expectOrdered(job);
  });

  it('keeps the last 20 attempts and cuts long errors to 500 bytes without splitting a character', async () => {
    const queue = open();
    const { id } = await queue.enqueue('long', {}, { maxAttempts: 30, backoff: fast });
    const worker = work(queue, {
      handlers: {
        long: (_payload, ctx) => {
          throw new Error(`${ctx.attempt}:${'é'.repeat(600)}`);
        },
      },
    });
    await worker.start();
    const job = await queue.waitFor(id, { timeoutMs: 60_000 });
    expect(job.status).toBe('failed');
    expect(await client.llen(historyKey(queue.handle.keys, id))).toBe(20);
    expect(job.history.map((a) => a.attempt)).toEqual(Array.from({ length: 20 }, (_, i) => i + 11));
    expect(job.history.at(-1)?.outcome).toBe('failed');
    for (const attempt of job.history) {
      const error = attempt.error ?? '';
      expect(Buffer.byteLength(error)).toBeLessThanOrEqual(500);
      expect(Buffer.byteLength(error)).toBeGreaterThan(490);
      expect(error).toMatch(new RegExp(`^${attempt.attempt}:é+$`));
    }
    // the job keeps its whole error
    expect(job.error).toBe(`30:${'é'.repeat(600)}`);
  });

  it('keeps a success that is retried', async () => {
    const queue = open();
    const { id } = await queue.enqueue('flaky', {});
    const { job: first } = await runFlaky(queue, id, 0);
    expect(await queue.retry([id])).toBe(1);
    const again = await queue.waitFor(id, { timeoutMs: 10_000 });
    expect(again.status).toBe('success');
    expect(again.history.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'success'],
      [1, 'success'],
    ]);
    expect(again.history[0]?.startedAt).toEqual(first.startedAt);
    expect(again.history[0]?.finishedAt).toEqual(first.finishedAt);
    expectOrdered(again);
  });
});

describe('the history goes with its job', () => {
  it('on jobs delete', async () => {
    const queue = open();
    const { id } = await queue.enqueue('flaky', {}, { maxAttempts: 1 });
    await runFlaky(queue, id, 1);
    expect(await historyExists(queue, id)).toBe(true);
    expect(await queue.remove([id])).toBe(1);
    expect(await historyExists(queue, id)).toBe(false);
  });

  it('on a dead-letter purge', async () => {
    const queue = open();
    const { id } = await queue.enqueue('flaky', {}, { maxAttempts: 1 });
    await runFlaky(queue, id, 1);
    expect(await historyExists(queue, id)).toBe(true);
    expect(await queue.deadLetters.purge()).toBe(1);
    expect(await historyExists(queue, id)).toBe(false);
  });

  it('when retention trims the finished job', async () => {
    const queue = open(undefined, { retention: { finishedCount: 1 } });
    const { id } = await queue.enqueue('flaky', {}, { maxAttempts: 2, backoff: fast });
    await runFlaky(queue, id, 1, { finishedCount: 1 });
    expect(await historyExists(queue, id)).toBe(true);
    const { id: next } = await queue.enqueue('flaky', {});
    await queue.waitFor(next, { timeoutMs: 10_000 });
    await until(async () => (await queue.getJob(id)) === null, 10_000, 'first job trimmed');
    expect(await historyExists(queue, id)).toBe(false);
  });

  it('when a success is kept by no retention (the fast path deletes the job at once)', async () => {
    const queue = open(undefined, { retention: { finishedCount: 0 } });
    const worker = work(queue, {
      retention: { finishedCount: 0 },
      handlers: {
        flaky: (_payload, ctx) => {
          if (ctx.attempt === 1) throw new Error('first try fails');
          return 'ok';
        },
      },
    });
    const { id } = await queue.enqueue('flaky', {}, { maxAttempts: 2, backoff: fast });
    await worker.start();
    await until(async () => (await client.exists(`${queue.handle.keys.base}j:${id}`)) === 0, 10_000, 'job deleted on success');
    expect(await historyExists(queue, id)).toBe(false);
  });
});
