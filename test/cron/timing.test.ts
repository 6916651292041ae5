import { describe, expect, it } from 'vitest';
import { Scheduler, type MisfirePolicy } from '../../src/index.js';
import { useRedisServer } from '../helpers/fixtures.js';
import { cronRigs, jobTicks } from './helpers.js';

const server = useRedisServer();
const rig = cronRigs(server);
const at = (iso: string): number => Date.parse(iso);

describe('scheduler timing (injected clock)', () => {
  it('fires each tick once, when due and not before, with name, tick and idempotency key on the job', async () => {
    const { schedules, scheduler, clock, queue } = rig(at('2024-01-01T00:00:30Z'));
    await schedules.add('every-minute', { cron: '* * * * *', type: 'tick' });
    clock.set(at('2024-01-01T00:00:59.999Z'));
    expect(await scheduler.runOnce()).toBe(1);
    expect(await jobTicks(queue)).toEqual([]);
    for (const minute of [1, 2, 3]) {
      clock.set(Date.UTC(2024, 0, 1, 0, minute, 0, 20));
      await scheduler.runOnce();
      await scheduler.runOnce();
    }
    expect(await jobTicks(queue)).toEqual([1, 2, 3].map((m) => Date.UTC(2024, 0, 1, 0, m)));
    const job = await queue.requireJob('3');
    expect(job).toMatchObject({ type: 'tick', status: 'pending', idempotencyKey: `cron:every-minute:${Date.UTC(2024, 0, 1, 0, 3)}` });
    const history = await schedules.history('every-minute');
    expect(history.map((h) => [h.outcome, h.tick.getTime(), h.jobId])).toEqual(
      [3, 2, 1].map((m, i) => ['fired', Date.UTC(2024, 0, 1, 0, m), String(3 - i)]),
    );
    expect((await schedules.get('every-minute')).nextRunAt?.toISOString()).toBe('2024-01-01T00:04:00.000Z');
  });

  it('ten racing schedulers produce exactly one job per tick', async () => {
    const { schedules, clock, queue } = rig(at('2024-01-01T00:00:00.500Z'));
    await schedules.add('race', { cron: '* * * * * *', type: 'tick' });
    const racers = Array.from({ length: 10 }, () => new Scheduler(queue, { now: clock.now }));
    for (let second = 1; second <= 20; second += 1) {
      clock.set(Date.UTC(2024, 0, 1, 0, 0, second, 3));
      await Promise.all(racers.map((r) => r.runOnce()));
    }
    expect(await jobTicks(queue)).toEqual(Array.from({ length: 20 }, (_, i) => Date.UTC(2024, 0, 1, 0, 0, i + 1)));
    const fired = (await schedules.history('race')).map((h) => h.tick.getTime());
    expect(fired.sort((a, b) => a - b)).toEqual(await jobTicks(queue));
  });

  it('a scheduler that is late but within the grace fires every tick it passed', async () => {
    const { schedules, scheduler, clock, queue } = rig(at('2024-01-01T00:00:00.500Z'));
    await schedules.add('late', { cron: '* * * * * *', type: 'tick', misfire: 'skip', misfireGraceMs: 5000 });
    clock.set(at('2024-01-01T00:00:04.200Z'));
    await scheduler.runOnce();
    expect(await jobTicks(queue)).toEqual([1, 2, 3, 4].map((s) => Date.UTC(2024, 0, 1, 0, 0, s)));
  });

  const downtime: [MisfirePolicy, number[]][] = [
    ['run-once', [5]],
    ['skip', []],
    ['run-all', [1, 2, 3, 4, 5]],
  ];
  for (const [misfire, minutes] of downtime) {
    it(`misfire ${misfire} after downtime produces ${minutes.length} job(s)`, async () => {
      const { schedules, scheduler, clock, queue } = rig(at('2024-01-01T00:00:30Z'));
      await schedules.add('m', { cron: '* * * * *', type: 'tick', misfire });
      // no worker ran from 00:00:30 to 00:05:30: ticks 00:01 .. 00:05 were missed
      clock.set(at('2024-01-01T00:05:30Z'));
      await scheduler.runOnce();
      await scheduler.runOnce();
      expect(await jobTicks(queue)).toEqual(minutes.map((m) => Date.UTC(2024, 0, 1, 0, m)));
      expect((await schedules.get('m')).nextRunAt?.toISOString()).toBe('2024-01-01T00:06:00.000Z');
      const missed = (await schedules.history('m')).find((h) => h.outcome === 'missed');
      if (misfire === 'run-all') expect(missed).toBeUndefined();
      else expect(missed?.missedFrom?.getTime()).toBe(Date.UTC(2024, 0, 1, 0, 1));
      // the next tick after the downtime fires normally
      clock.set(at('2024-01-01T00:06:00.010Z'));
      await scheduler.runOnce();
      expect((await jobTicks(queue)).at(-1)).toBe(Date.UTC(2024, 0, 1, 0, 6));
    });
  }

  it('run-all is capped at maxCatchUp (the newest missed ticks)', async () => {
    const { schedules, scheduler, clock, queue } = rig(at('2024-01-01T00:00:30Z'));
    await schedules.add('cap', { cron: '* * * * *', type: 'tick', misfire: 'run-all', maxCatchUp: 3 });
    clock.set(at('2024-01-03T00:00:30Z')); // two days down: 2880 missed ticks
    await scheduler.runOnce();
    expect(await jobTicks(queue)).toEqual([Date.UTC(2024, 0, 2, 23, 58), Date.UTC(2024, 0, 2, 23, 59), Date.UTC(2024, 0, 3)]);
    const missed = (await schedules.history('cap')).find((h) => h.outcome === 'missed');
    expect(missed?.missedFrom?.getTime()).toBe(Date.UTC(2024, 0, 1, 0, 1));
    expect(missed?.tick.getTime()).toBe(Date.UTC(2024, 0, 2, 23, 57));
  });

  it('a non-UTC zone fires at the right UTC instants across DST changes', async () => {
    // 09:00 and 02:30 in Berlin, from 29 March 2024 (CET, UTC+1) past 31 March (CEST, UTC+2)
    const { schedules, scheduler, clock, queue } = rig(at('2024-03-29T00:00:00Z'));
    await schedules.add('nine', { cron: '0 9 * * *', type: 'report', timezone: 'Europe/Berlin' });
    await schedules.add('half-two', { cron: '30 2 * * *', type: 'report', timezone: 'Europe/Berlin' });
    const expected = {
      nine: ['2024-03-29T08:00:00Z', '2024-03-30T08:00:00Z', '2024-03-31T07:00:00Z', '2024-04-01T07:00:00Z'],
      // 02:30 does not exist on 31 March; cron-parser runs it at 03:30 CEST (01:30 UTC)
      'half-two': ['2024-03-29T01:30:00Z', '2024-03-30T01:30:00Z', '2024-03-31T01:30:00Z', '2024-04-01T00:30:00Z'],
    };
    const instants = [...expected.nine, ...expected['half-two']].map(at).sort((a, b) => a - b);
    for (const instant of instants) {
      clock.set(instant - 1);
      await scheduler.runOnce();
      clock.set(instant + 5);
      await scheduler.runOnce();
    }
    expect(await jobTicks(queue, 'nine')).toEqual(expected.nine.map(at));
    expect(await jobTicks(queue, 'half-two')).toEqual(expected['half-two'].map(at));
  });

  it('hourly in New York across the November fall-back runs each UTC hour once', async () => {
    const { schedules, scheduler, clock, queue } = rig(at('2024-11-03T04:30:00Z'));
    await schedules.add('hourly', { cron: '0 * * * *', type: 'h', timezone: 'America/New_York' });
    for (let hour = 5; hour <= 8; hour += 1) {
      clock.set(Date.UTC(2024, 10, 3, hour, 0, 0, 5));
      await scheduler.runOnce();
    }
    // 01:00 EDT (05:00Z), 01:00 EST (06:00Z), 02:00 EST (07:00Z), 03:00 EST (08:00Z)
    expect(await jobTicks(queue)).toEqual([5, 6, 7, 8].map((h) => Date.UTC(2024, 10, 3, h)));
  });
});
