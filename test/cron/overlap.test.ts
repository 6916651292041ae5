import { describe, expect, it } from 'vitest';
import { Queue, Schedules, Worker, type OverlapPolicy } from '../../src/index.js';
import { uniqueQueue, useRedisServer } from '../helpers/fixtures.js';

const server = useRedisServer();

interface Run {
  tick: number;
  start: number;
  end: number;
}

/** Runs an every-second schedule with a slow handler on a worker with spare slots. */
async function runSlowSchedule(overlap: OverlapPolicy, handlerMs: number, forMs: number): Promise<{ runs: Run[]; schedules: Schedules; queue: Queue }> {
  const queue = new Queue(uniqueQueue('overlap'), { connection: server.url });
  const schedules = new Schedules(queue);
  await schedules.add('slow', { cron: '* * * * * *', type: 'slow', overlap });
  const runs: Run[] = [];
  const worker = new Worker(queue.name, {
    connection: server.url,
    concurrency: 4,
    handlers: {
      slow: async (_payload, ctx) => {
        const start = Date.now();
        await new Promise((resolve) => setTimeout(resolve, handlerMs));
        const job = await queue.requireJob(ctx.id);
        runs.push({ tick: Number(job.idempotencyKey?.split(':').at(-1)), start, end: Date.now() });
      },
    },
  });
  await worker.start();
  await new Promise((resolve) => setTimeout(resolve, forMs));
  await schedules.pause('slow');
  await worker.close(5000);
  return { runs: runs.sort((a, b) => a.start - b.start), schedules, queue };
}

function overlapping(runs: Run[]): [Run, Run][] {
  const pairs: [Run, Run][] = [];
  for (let i = 1; i < runs.length; i += 1) {
    const before = runs[i - 1];
    const run = runs[i];
    if (before && run && run.start < before.end) pairs.push([before, run]);
  }
  return pairs;
}

describe('overlap policies with a slow handler (real time)', () => {
  it.concurrent('skip: no overlapping runs, skipped ticks are in the history', async () => {
    const { runs, schedules, queue } = await runSlowSchedule('skip', 2200, 5000);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(overlapping(runs)).toEqual([]);
    const history = await schedules.history('slow');
    const skipped = history.filter((h) => h.outcome === 'skipped');
    expect(skipped.length).toBeGreaterThanOrEqual(2);
    // a skipped tick names the run it gave way to
    expect(skipped.every((h) => h.jobId !== null)).toBe(true);
    await queue.close();
  });

  it.concurrent('queue-one: one tick waits behind the running one and starts when it ends', async () => {
    const { runs, schedules, queue } = await runSlowSchedule('queue-one', 1500, 5200);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(overlapping(runs)).toEqual([]);
    // back to back: each waiting run starts soon after the previous one ended
    for (let i = 1; i < runs.length; i += 1) {
      expect((runs[i]?.start ?? 0) - (runs[i - 1]?.end ?? 0)).toBeLessThan(900);
    }
    const outcomes = new Set((await schedules.history('slow')).map((h) => h.outcome));
    expect(outcomes.has('queued')).toBe(true);
    await queue.close();
  });

  it.concurrent('allow: runs overlap when the handler is slower than the period', async () => {
    const { runs, queue } = await runSlowSchedule('allow', 1500, 3500);
    expect(overlapping(runs).length).toBeGreaterThan(0);
    await queue.close();
  });
});

describe('worker wiring', () => {
  it.concurrent('a worker with schedules: false does not fire; one with the default does', async () => {
    const queue = new Queue(uniqueQueue('wiring'), { connection: server.url });
    const schedules = new Schedules(queue);
    await schedules.add('s', { cron: '* * * * * *', type: 'noop' });
    const handlers = { noop: () => undefined };
    const idle = new Worker(queue.name, { connection: server.url, handlers, schedules: false });
    await idle.start();
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await schedules.get('s')).lastJobId).toBeNull();
    const firing = new Worker(queue.name, { connection: server.url, handlers });
    await firing.start();
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await Promise.all([idle.close(1000), firing.close(1000)]);
    expect((await schedules.get('s')).lastJobId).not.toBeNull();
    await queue.close();
  });
});
