import { afterEach } from 'vitest';
import { Queue, Scheduler, Schedules } from '../../src/index.js';
import type { RedisServer } from '../helpers/redis-server.js';
import { uniqueQueue } from '../helpers/fixtures.js';

/** A clock a test moves by hand. */
export interface TestClock {
  now: () => number;
  set: (ms: number) => void;
}

export function testClock(start: number): TestClock {
  let current = start;
  return { now: () => current, set: (ms) => (current = ms) };
}

export interface CronRig {
  queue: Queue;
  schedules: Schedules;
  scheduler: Scheduler;
  clock: TestClock;
}

/** A queue with Schedules and a (not started) Scheduler sharing one injected clock. */
export function cronRigs(server: RedisServer): (start?: number) => CronRig {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()?.();
  });
  return (start = Date.UTC(2024, 0, 1)) => {
    const clock = testClock(start);
    const queue = new Queue(uniqueQueue('cron'), { connection: server.url });
    const schedules = new Schedules(queue, { now: clock.now });
    const scheduler = new Scheduler(queue, { now: clock.now });
    closers.push(() => queue.close(), () => scheduler.stop());
    return { queue, schedules, scheduler, clock };
  };
}

/** The schedule tick (`st`) of every job in the queue, ascending, read from the job hashes. */
export async function jobTicks(queue: Queue, schedule?: string): Promise<number[]> {
  const base = queue.handle.keys.base;
  const last = Number((await queue.redis.get(`${base}seq`)) ?? 0);
  const ticks: number[] = [];
  for (let id = 1; id <= last; id += 1) {
    const [name, tick] = await queue.redis.hmget(`${base}j:${id}`, 'sn', 'st');
    if (tick && (schedule === undefined || name === schedule)) ticks.push(Number(tick));
  }
  return ticks.sort((a, b) => a - b);
}
