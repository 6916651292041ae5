// Cancelling a running job: the worker learns of it at once (not at its next heartbeat), a job
// whose cancel was requested ends `cancelled` even when its handler finished first or the worker
// handed it back at shutdown, and retention trims jobs cancelled through a worker.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptReport, JobContext, Queue } from '../../src/index.js';
import { claimJobs } from '../../src/core/claim.js';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);
const CLI = fileURLToPath(new URL('../../bin/jobs.js', import.meta.url));
let client: Redis;
beforeAll(() => {
  client = new Redis(redis.url);
});
afterAll(() => client.disconnect());

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const redisNow = async (): Promise<number> => {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
};
const untilAborted = (_payload: unknown, ctx: JobContext): Promise<never> =>
  new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));

/** Claims one job the way a worker does, holding a lease that nobody renews. */
async function claimOne(queue: Queue, leaseMs: number): Promise<{ id: string; leaseToken: string }> {
  const reply = await claimJobs(queue.handle, { leaseMs, want: 1, upkeep: true, outcomes: [] });
  const job = reply.jobs[0];
  if (!job) throw new Error('nothing claimed');
  return job;
}

describe('cancelling a running job', () => {
  it('reaches the worker in well under a second, whenever it is asked (Redis clock)', async () => {
    const queue = open();
    const jobs = await queue.enqueueMany([{ type: 'wait' }, { type: 'wait' }, { type: 'wait' }]);
    // a long lease: heartbeats 2 s apart, so only a prompt notice ends the jobs quickly
    const worker = work(queue, { concurrency: 3, leaseMs: 60_000, handlers: { wait: untilAborted } });
    await worker.start();
    await until(async () => (await queue.counts()).running === 3, 10_000, 'three running');
    const delays: number[] = [];
    for (const { id } of jobs) {
      const askedAt = await redisNow();
      expect(await queue.cancel(id)).toBe('requested');
      const job = await queue.waitFor(id, { timeoutMs: 5000 });
      expect(job.status).toBe('cancelled');
      delays.push((job.finishedAt?.getTime() ?? Infinity) - askedAt);
      await sleep(700); // the next request falls elsewhere between two heartbeats
    }
    for (const delay of delays) expect(delay).toBeLessThan(500);
  });

  it('ends cancelled when the handler finishes before the worker could stop it', async () => {
    const queue = open();
    const reports: AttemptReport[] = [];
    const { id } = await queue.enqueue('quick');
    const worker = work(queue, {
      handlers: {
        // the cancel request lands while this handler runs, and it returns before any abort
        quick: (_payload, ctx) => {
          execFileSync(process.execPath, [CLI, '--redis', redis.url, '--queue', queue.name, 'cancel', ctx.id], { env: { ...process.env, NO_COLOR: '1' } });
          return 'finished anyway';
        },
      },
      onAttempt: (report) => reports.push(report),
    });
    await worker.start();
    const job = await queue.waitFor(id, { timeoutMs: 10_000 });
    expect(job).toMatchObject({ status: 'cancelled', attempts: 1, result: 'finished anyway' });
    expect(job.error).toMatch(/cancel/);
    await until(() => reports.length === 1, 5000, 'attempt reported');
    expect(reports[0]).toMatchObject({ id, status: 'cancelled' });
  });

  it('a hand-back of a job with a cancel request ends it cancelled (the outcome script)', async () => {
    const queue = open();
    const { id } = await queue.enqueue('x', {}, { priority: 5 });
    const lease = await claimOne(queue, 30_000);
    expect(await queue.cancel(id)).toBe('requested');
    const reply = await claimJobs(queue.handle, { leaseMs: 30_000, want: 0, upkeep: false, outcomes: [{ kind: 'back', ...lease }] });
    expect(reply.settled).toHaveLength(1);
    expect(await queue.requireJob(id)).toMatchObject({ status: 'cancelled' });
    expect(await queue.counts()).toMatchObject({ pending: 0, running: 0, cancelled: 1 });
  });
});

describe('retention of jobs cancelled through a worker', () => {
  it('keeps only finishedCount cancelled jobs, also those cancelled after their lease expired', async () => {
    const retention = { finishedCount: 1, finishedAgeMs: 0 };
    const queue = open(undefined, { retention });
    // one job whose worker vanished: its lease expires with the cancel request on it
    const { id: abandoned } = await queue.enqueue('orphan');
    await claimOne(queue, 200);
    expect(await queue.cancel(abandoned)).toBe('requested');
    const running = await queue.enqueueMany([{ type: 'wait' }, { type: 'wait' }]);
    // a free slot keeps the worker claiming, and so recovering expired leases
    const worker = work(queue, { concurrency: 3, retention, handlers: { wait: untilAborted, orphan: () => 'never' } });
    await worker.start();
    await until(async () => (await queue.requireJob(abandoned)).status !== 'running' || (await queue.getJob(abandoned)) === null, 10_000, 'lease recovered');
    await until(async () => (await queue.counts()).running === 2, 10_000, 'two running');
    for (const { id } of running) {
      expect(await queue.cancel(id)).toBe('requested');
      await until(async () => (await queue.getJob(id))?.status !== 'running', 10_000, 'cancel reached the worker');
    }
    expect(await client.zcard(queue.handle.keys.cancelled)).toBe(1);
    const left = (await queue.getJobs([abandoned, ...running.map((j) => j.id)])).map((j) => j.status);
    expect(left).toEqual(['cancelled']);
  });

  it('trims cancelled jobs by age at the next upkeep', async () => {
    const retention = { finishedCount: 100, finishedAgeMs: 300 };
    const queue = open(undefined, { retention });
    const { id } = await queue.enqueue('wait');
    const worker = work(queue, { retention, handlers: { wait: untilAborted, echo: (p) => p } });
    await worker.start();
    await until(async () => (await queue.getJob(id))?.status === 'running', 10_000, 'running');
    await queue.cancel(id);
    await until(async () => (await queue.getJob(id))?.status !== 'running', 10_000, 'cancelled');
    // later work makes the worker do its upkeep
    await sleep(400);
    await queue.enqueue('echo', { n: 1 });
    await until(async () => (await queue.getJob(id)) === null, 5000, 'old cancelled job trimmed');
    expect(await client.zcard(queue.handle.keys.cancelled)).toBe(0);
  });
});
