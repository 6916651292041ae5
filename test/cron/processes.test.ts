import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Queue, Schedules } from '../../src/index.js';
import { ChildProcessLines } from '../helpers/child.js';
import { uniqueQueue, until, useRedisServer } from '../helpers/fixtures.js';
import { jobTicks } from './helpers.js';

const server = useRedisServer();
const script = fileURLToPath(new URL('./fixtures/cron-worker.mjs', import.meta.url));

describe('every-second schedule across worker processes', () => {
  it('three workers produce exactly one job per tick, and two carry on without a gap after one is SIGKILLed', async () => {
    if (!existsSync(new URL('../../dist/index.js', import.meta.url))) throw new Error('run `npm run build` first');
    const queue = new Queue(uniqueQueue('cron-procs'), { connection: server.url });
    const schedules = new Schedules(queue);
    const workers = [1, 2, 3].map(() => new ChildProcessLines(script, { REDIS_URL: server.url, QUEUE: queue.name }));
    try {
      await until(() => workers.every((w) => w.has((l) => l.event === 'ready')), 15_000, 'workers ready');
      const before = Date.now();
      await schedules.add('every-second', { cron: '* * * * * *', type: 'tick' });
      const started = Date.now();
      await sleep(5000);
      await workers[0]?.kill('SIGKILL');
      const killedAt = Date.now();
      await sleep(5000);
      await schedules.pause('every-second');
      const stopped = Date.now();

      const ticks = await jobTicks(queue, 'every-second');
      // no duplicate tick
      expect(new Set(ticks).size).toBe(ticks.length);
      // no gap: consecutive seconds from the first tick after adding to the last before pausing
      const second = (ms: number): number => Math.floor(ms / 1000) * 1000;
      expect(ticks[0]).toBeGreaterThanOrEqual(second(before) + 1000);
      expect(ticks[0]).toBeLessThanOrEqual(second(started) + 1000);
      expect(ticks.at(-1)).toBeGreaterThanOrEqual(Math.floor(stopped / 1000) * 1000 - 1000);
      for (let i = 1; i < ticks.length; i += 1) expect((ticks[i] ?? 0) - (ticks[i - 1] ?? 0)).toBe(1000);
      expect(ticks.length).toBeGreaterThanOrEqual(9);
      expect(ticks.filter((t) => t > killedAt).length).toBeGreaterThanOrEqual(4);
      // each tick was fired once (the history records every fire, duplicates included)
      const fired = (await schedules.history('every-second', 100)).filter((h) => h.outcome === 'fired').map((h) => h.tick.getTime());
      expect(fired.sort((a, b) => a - b)).toEqual(ticks);
      // the surviving workers run the jobs
      await until(async () => (await queue.counts()).success >= ticks.length - 1, 10_000, 'jobs to run');
      // (which survivor takes each job is up to who is free first; only the kill is known)
      const ranBySurvivors = workers.slice(1).flatMap((w) => w.lines.filter((l) => l.event === 'ran'));
      expect(ranBySurvivors.length).toBeGreaterThanOrEqual(ticks.filter((t) => t > killedAt).length - 1);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
      await queue.close();
    }
  }, 45_000);
});
