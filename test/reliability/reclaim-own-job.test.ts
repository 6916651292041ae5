// A handler that blocks the event loop longer than the lease makes the worker's other leases
// expire; the worker's next claim may then recover one of its own jobs and hand it to itself
// while the first attempt still runs. The worker must never run two attempts of one job at
// once, must keep heart-beating the attempt that owns the lease, and a job whose every run
// succeeded must end `success`, never in the dead-letter queue.
import { describe, expect, it } from 'vitest';
import type { AttemptReport, JobContext } from '../../src/index.js';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a worker that re-claims its own job', () => {
  it('never runs two attempts of a job at once and ends every job success (handler blocking 1.5 s, lease 1 s)', { timeout: 120_000 }, async () => {
    const queue = open();
    const executing = new Map<string, number>();
    let overlaps = 0;
    const finishedRuns = new Map<string, number>();
    const reports: AttemptReport[] = [];
    const warnings: string[] = [];
    const track = async (ctx: JobContext, body: () => Promise<void> | void): Promise<string> => {
      const now = (executing.get(ctx.id) ?? 0) + 1;
      executing.set(ctx.id, now);
      if (now > 1) overlaps += 1;
      try {
        await body();
      } finally {
        executing.set(ctx.id, (executing.get(ctx.id) ?? 1) - 1);
      }
      finishedRuns.set(ctx.id, (finishedRuns.get(ctx.id) ?? 0) + 1);
      return 'ok';
    };
    const worker = work(queue, {
      concurrency: 2,
      leaseMs: 1000,
      handlers: {
        // ignores its signal, like most handlers: only its own end stops it
        slow: (payload: { ms: number }, ctx) => track(ctx, () => sleep(payload.ms)),
        block: (_payload, ctx) =>
          track(ctx, () => {
            const until = Date.now() + 1500;
            while (Date.now() < until) {
              // synchronous CPU work: no timer, no heartbeat runs meanwhile
            }
          }),
      },
      onAttempt: (report) => reports.push(report),
      onWarning: (message) => warnings.push(message),
    });
    // Each round: the worker's two claims take one slow and one blocking job; while the event
    // loop is blocked the slow job's lease expires, and the next claim (nothing else is ready)
    // recovers it and hands it back to this same worker, whose first attempt still sleeps.
    await worker.start();
    const ids: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      const pair = await queue.enqueueMany([
        { type: 'slow', payload: { ms: 2500 }, options: { maxAttempts: 3 } },
        { type: 'block', options: { maxAttempts: 3 } },
      ]);
      ids.push(...pair.map((j) => j.id));
      await until(async () => {
        const counts = await queue.counts();
        return counts.success + counts.failed + counts.cancelled === ids.length;
      }, 30_000, `round ${round + 1} finished`);
    }

    expect(overlaps).toBe(0);
    const jobs = await queue.getJobs(ids);
    for (const job of jobs) {
      // every run of these handlers succeeds: none may end in the dead-letter queue
      expect(job, `job ${job.id} ran ${finishedRuns.get(job.id) ?? 0} times`).toMatchObject({ status: 'success', result: 'ok' });
      expect(job.attempts).toBeLessThanOrEqual(job.maxAttempts);
    }
    expect(await queue.deadLetters.size()).toBe(0);
    expect(reports.filter((r) => r.status === 'failed')).toEqual([]);
    // the scenario happened: the worker was handed a job it still ran
    expect(warnings.some((w) => w.includes('claimed again while an earlier attempt still runs here'))).toBe(true);
  });
});
