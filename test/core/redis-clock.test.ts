// One clock: Redis's. The CLI runs with a preload that moves its own clock (Date.now() and
// `new Date()`) by ±20 s and ±2 h; schedules' next runs, dead-letter purge cut-offs and
// throughput windows must come out as with a right clock, judged on Redis state.
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from '../../src/index.js';
import { runCli, runJson, type CliOptions } from '../cli/run-cli.js';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);
const SHIFT_CLOCK = fileURLToPath(new URL('../fixtures/shift-clock.mjs', import.meta.url));
let admin: Redis;
beforeAll(() => {
  admin = new Redis(redis.url);
});
afterAll(async () => {
  await admin.quit();
});

const SHIFTS: [string, number][] = [
  ['20 s ahead', 20_000],
  ['20 s behind', -20_000],
  ['2 h ahead', 2 * 3_600_000],
  ['2 h behind', -2 * 3_600_000],
];

async function redisNow(): Promise<number> {
  const [seconds, micros] = await admin.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** CLI options for a process whose clock is off by `shiftMs`. */
function skewed(queue: Queue, shiftMs: number): CliOptions {
  return { redis: redis.url, queue: queue.name, env: { NODE_OPTIONS: `--import ${SHIFT_CLOCK}`, CLOCK_SHIFT_MS: String(shiftMs) } };
}

/** Runs a CLI command and returns Redis's clock just before and just after it. */
async function timed(args: string[], cli: CliOptions): Promise<{ before: number; after: number; stdout: string }> {
  const before = await redisNow();
  const result = await runCli(args, cli);
  const after = await redisNow();
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return { before, after, stdout: result.stdout };
}

describe.each(SHIFTS)('a CLI whose clock is %s', (_label, shiftMs) => {
  it('really runs on a shifted clock (the preload works)', async () => {
    const queue = open();
    await queue.enqueue('t');
    const { json } = await runJson<{ time: string }>(['stats'], skewed(queue, shiftMs));
    expect(Math.abs(Date.parse(json.time) - (await redisNow()) - shiftMs)).toBeLessThan(10_000);
  });

  it('cron add / update / pause / resume / trigger: next runs and times by Redis clock', async () => {
    const queue = open();
    const cli = skewed(queue, shiftMs);
    const k = queue.handle.keys;
    const nextRun = async (): Promise<number> => Number(await admin.zscore(k.scheduleDue, 'tick'));
    const stored = async (): Promise<{ createdAt: number; updatedAt: number }> =>
      JSON.parse((await admin.hget(k.schedules, 'tick')) ?? '{}') as { createdAt: number; updatedAt: number };

    // every 10 seconds: the first run is the next tick after Redis's now, never past, never later
    let run = await timed(['cron', 'add', 'tick', '--schedule', '*/10 * * * * *', '--type', 't'], cli);
    expect(await nextRun()).toBeGreaterThan(run.before);
    expect(await nextRun()).toBeLessThanOrEqual(run.after + 10_000);
    expect((await stored()).createdAt).toBeGreaterThanOrEqual(run.before);
    expect((await stored()).createdAt).toBeLessThanOrEqual(run.after);

    run = await timed(['cron', 'add', 'tick', '--schedule', '*/15 * * * * *', '--type', 't', '--update'], cli);
    expect(await nextRun()).toBeGreaterThan(run.before);
    expect(await nextRun()).toBeLessThanOrEqual(run.after + 15_000);
    expect((await stored()).updatedAt).toBeGreaterThanOrEqual(run.before);
    expect((await stored()).updatedAt).toBeLessThanOrEqual(run.after);

    await timed(['cron', 'pause', 'tick'], cli);
    expect(await admin.zscore(k.scheduleDue, 'tick')).toBeNull();
    run = await timed(['cron', 'resume', 'tick'], cli);
    expect(await nextRun()).toBeGreaterThan(run.before);
    expect(await nextRun()).toBeLessThanOrEqual(run.after + 15_000);

    run = await timed(['cron', 'trigger', 'tick'], cli);
    const [entry] = await admin.lrange(`${k.base}schedule-history:tick`, 0, 0);
    const fire = JSON.parse(entry ?? '{}') as { tick: number; at: number; outcome: string };
    expect(fire.outcome).toBe('triggered');
    for (const time of [fire.tick, fire.at]) {
      expect(time).toBeGreaterThanOrEqual(run.before);
      expect(time).toBeLessThanOrEqual(run.after);
    }
  });

  it('dlq purge --older-than judges failure ages by Redis clock', async () => {
    const queue = open();
    const { failed } = await finishedAgo(queue);
    const purged = await runJson<{ purged: number }>(['dlq', 'purge', '--older-than', '1m', '--yes'], skewed(queue, shiftMs));
    expect(purged.json).toEqual({ purged: 2 });
    const k = queue.handle.keys;
    expect(await admin.zrange(k.dlq, 0, -1)).toEqual([failed[1], failed[0]]);
    expect(await admin.exists(`${k.base}j:${failed[2] ?? ''}`, `${k.base}j:${failed[3] ?? ''}`)).toBe(0);
  });

  it('the throughput of jobs stats (Queue.throughput) counts the last minute by Redis clock', async () => {
    const queue = open();
    await finishedAgo(queue);
    const stats = await runJson<{ queues: { name: string; throughput: { succeeded: number; failed: number } }[] }>(['stats'], skewed(queue, shiftMs));
    expect(stats.json.queues.find((q) => q.name === queue.name)?.throughput).toMatchObject({ succeeded: 2, failed: 2 });
  });
});

/**
 * Four failed and four succeeded jobs, finished (by Redis clock) 5 s, 50 s, 70 s and 90 min
 * ago: two within the last minute and two before it, each at least 10 s from the boundary.
 */
async function finishedAgo(queue: Queue): Promise<{ failed: string[]; succeeded: string[] }> {
  const ids = (await queue.enqueueMany(Array.from({ length: 8 }, (_, n) => ({ type: n < 4 ? 'bad' : 'good', options: { maxAttempts: 1 } })))).map((r) => r.id);
  void work(queue, {
    concurrency: 4,
    handlers: {
      bad: () => {
        throw new Error('no');
      },
      good: () => 'ok',
    },
  }).start();
  await until(async () => {
    const counts = await queue.counts();
    return counts.failed === 4 && counts.success === 4;
  }, 10_000, 'jobs finished');
  const now = await redisNow();
  const k = queue.handle.keys;
  for (const [i, age] of [5_000, 50_000, 70_000, 90 * 60_000].entries()) {
    await admin.zadd(k.dlq, 'XX', now - age, ids[i] ?? '');
    await admin.zadd(k.done, 'XX', now - age, ids[i + 4] ?? '');
  }
  return { failed: ids.slice(0, 4), succeeded: ids.slice(4) };
}
