import { describe, expect, it } from 'vitest';
import { ScheduleExistsError, ScheduleNotFoundError, ValidationError } from '../../src/index.js';
import { useRedisServer } from '../helpers/fixtures.js';
import { cronRigs, jobTicks } from './helpers.js';

const server = useRedisServer();
const rig = cronRigs(server);

describe('schedules: definitions', () => {
  it('adds a schedule with defaults and its next run in its zone', async () => {
    const { schedules, clock } = rig(Date.UTC(2024, 5, 1, 10, 0, 0));
    const added = await schedules.add('nightly', { cron: '0 3 * * *', type: 'report', timezone: 'Europe/Berlin' });
    expect(added).toMatchObject({
      name: 'nightly',
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      type: 'report',
      payload: {},
      overlap: 'allow',
      misfire: 'run-once',
      paused: false,
      lastJobId: null,
    });
    // 03:00 CEST on 2 June is 01:00 UTC
    expect(added.nextRunAt?.toISOString()).toBe('2024-06-02T01:00:00.000Z');
    expect(added.createdAt.getTime()).toBe(clock.now());
    expect((await schedules.list()).map((s) => s.name)).toEqual(['nightly']);
  });

  it('refuses an invalid expression, zone or option and stores nothing', async () => {
    const { schedules } = rig();
    const bad = [
      { cron: '61 * * * *', type: 't' },
      { cron: 'every day', type: 't' },
      { cron: '* * *', type: 't' },
      { cron: '* * * * * * *', type: 't' },
      { cron: '0 0 30 2 *', type: 't' },
      { cron: '* * * * *', type: 't', timezone: 'Mars/Olympus' },
      { cron: '* * * * *', type: 't', timezone: '' },
      { cron: '* * * * *', type: 'bad type' },
      { cron: '* * * * *', type: 't', options: { maxAttempts: 0 } },
    ];
    for (const spec of bad) {
      await expect(schedules.add('x', spec), JSON.stringify(spec)).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(schedules.add('x', { cron: '* * * * *', type: 't', overlap: 'never' as 'skip' })).rejects.toThrow(/overlap/);
    await expect(schedules.add('has space', { cron: '* * * * *', type: 't' })).rejects.toBeInstanceOf(ValidationError);
    expect(await schedules.list()).toEqual([]);
  });

  it('refuses adding an existing name unless update, and updates keep createdAt', async () => {
    const { schedules, clock } = rig();
    const first = await schedules.add('s', { cron: '*/5 * * * *', type: 'a' });
    await expect(schedules.add('s', { cron: '* * * * *', type: 'b' })).rejects.toBeInstanceOf(ScheduleExistsError);
    clock.set(clock.now() + 1000);
    const replaced = await schedules.add('s', { cron: '0 * * * *', type: 'b', payload: { n: 1 } }, { update: true });
    expect(replaced).toMatchObject({ cron: '0 * * * *', type: 'b', payload: { n: 1 } });
    expect(replaced.createdAt).toEqual(first.createdAt);
    expect(replaced.nextRunAt?.toISOString()).toBe('2024-01-01T01:00:00.000Z');
    const patched = await schedules.update('s', { payload: { n: 2 }, overlap: 'skip' });
    expect(patched).toMatchObject({ type: 'b', payload: { n: 2 }, overlap: 'skip', nextRunAt: replaced.nextRunAt });
    await expect(schedules.update('s', { timezone: 'Nowhere/Land' })).rejects.toBeInstanceOf(ValidationError);
    expect((await schedules.get('s')).timezone).toBe('UTC');
  });

  it('unknown names throw ScheduleNotFoundError', async () => {
    const { schedules } = rig();
    for (const call of [
      () => schedules.get('nope'),
      () => schedules.remove('nope'),
      () => schedules.trigger('nope'),
      () => schedules.pause('nope'),
      () => schedules.resume('nope'),
      () => schedules.update('nope', { type: 'x' }),
      () => schedules.history('nope'),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    }
  });

  it('pause stops firing; resume continues from the next tick after now', async () => {
    const { schedules, scheduler, clock, queue } = rig(Date.UTC(2024, 0, 1, 0, 0, 30));
    await schedules.add('m', { cron: '* * * * *', type: 't' });
    const paused = await schedules.pause('m');
    expect(paused).toMatchObject({ paused: true, nextRunAt: null });
    clock.set(Date.UTC(2024, 0, 1, 0, 10, 30));
    await scheduler.runOnce();
    expect(await jobTicks(queue)).toEqual([]);
    const resumed = await schedules.resume('m');
    expect(resumed.nextRunAt?.toISOString()).toBe('2024-01-01T00:11:00.000Z');
    clock.set(Date.UTC(2024, 0, 1, 0, 11, 0, 5));
    await scheduler.runOnce();
    expect(await jobTicks(queue)).toEqual([Date.UTC(2024, 0, 1, 0, 11)]);
  });

  it('trigger enqueues now, leaves the next run, and is recorded in the history', async () => {
    const { schedules, queue, clock } = rig(Date.UTC(2024, 0, 1, 0, 0, 30));
    await schedules.add('t', { cron: '0 * * * *', type: 'ping', payload: { a: 1 }, options: { maxAttempts: 7, timeout: 5000 } });
    const { jobId, at } = await schedules.trigger('t');
    expect(at.getTime()).toBe(clock.now());
    const job = await queue.requireJob(jobId);
    expect(job).toMatchObject({ type: 'ping', payload: { a: 1 }, maxAttempts: 7, timeoutMs: 5000, status: 'pending' });
    expect(job.idempotencyKey).toBe(`cron:t:trigger:${clock.now()}`);
    expect(job.schedule).toEqual({ name: 't', tick: new Date(clock.now()) });
    expect((await queue.schedules.get('t')).name).toBe('t');
    const after = await schedules.get('t');
    expect(after.nextRunAt?.toISOString()).toBe('2024-01-01T01:00:00.000Z');
    expect(after.lastJobId).toBe(jobId);
    const history = await schedules.history('t');
    expect(history).toEqual([{ tick: new Date(clock.now()), at: new Date(clock.now()), outcome: 'triggered', jobId }]);
  });

  it('remove deletes the schedule, its next run and history', async () => {
    const { schedules, queue } = rig();
    await schedules.add('r', { cron: '* * * * *', type: 't' });
    await schedules.trigger('r');
    await schedules.remove('r');
    expect(await schedules.list()).toEqual([]);
    const k = queue.handle.keys;
    expect(await queue.redis.zcard(k.scheduleDue)).toBe(0);
    expect(await queue.redis.exists(`${k.base}schedule-history:r`)).toBe(0);
    // its job stays
    expect((await queue.counts()).pending).toBe(1);
  });
});
