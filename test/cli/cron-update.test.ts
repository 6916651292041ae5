import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueQueue, useRedisServer } from '../helpers/fixtures.js';
import { takeSnapshot } from '../reliability/support/snapshot.js';
import { runCli, runJson, type CliOptions } from './run-cli.js';

const redis = useRedisServer();
let admin: Redis;
beforeAll(() => {
  admin = new Redis(redis.url);
});
afterAll(() => admin.disconnect());

interface ScheduleJson {
  cron: string;
  timezone: string;
  type: string;
  payload: unknown;
  options: Record<string, unknown>;
  overlap: string;
  misfire: string;
  paused: boolean;
  createdAt: string;
}

describe('jobs cron add --update', () => {
  it("changes only the fields given (the README's example keeps zone, overlap and payload)", async () => {
    const cli: CliOptions = { redis: redis.url, queue: uniqueQueue('cron-upd') };
    const added = await runJson<ScheduleJson>(
      ['cron', 'add', 'nightly', '--schedule', '0 3 * * *', '--tz', 'Europe/Berlin', '--type', 'report', '--data', '{"to":"ops"}', '--overlap', 'skip', '--misfire', 'skip', '--max-attempts', '5', '--timeout', '30s'],
      cli,
    );
    expect(added.code).toBe(0);
    const updated = await runJson<ScheduleJson>(['cron', 'add', 'nightly', '--schedule', '0 4 * * *', '--type', 'report', '--update'], cli);
    expect(updated.code).toBe(0);
    expect(updated.json).toMatchObject({
      cron: '0 4 * * *',
      timezone: 'Europe/Berlin',
      type: 'report',
      payload: { to: 'ops' },
      options: { maxAttempts: 5, timeout: 30_000 },
      overlap: 'skip',
      misfire: 'skip',
      paused: false,
      createdAt: added.json.createdAt,
    });
    // job options merge key by key; --schedule and --type are not needed to update
    const merged = await runJson<ScheduleJson>(['cron', 'add', 'nightly', '--max-attempts', '7', '--update'], cli);
    expect(merged.json).toMatchObject({ cron: '0 4 * * *', options: { maxAttempts: 7, timeout: 30_000 }, payload: { to: 'ops' } });
    const shown = await runJson<ScheduleJson>(['cron', 'show', 'nightly'], cli);
    expect(shown.json).toMatchObject({ timezone: 'Europe/Berlin', overlap: 'skip', options: { maxAttempts: 7, timeout: 30_000 } });
  });

  it('creates with --update when the name is new, which then needs --schedule and --type; a bad value writes nothing', async () => {
    const cli: CliOptions = { redis: redis.url, queue: uniqueQueue('cron-upd') };
    const before = await takeSnapshot(admin);
    const missing = await runCli(['cron', 'add', 'fresh', '--type', 'report', '--update'], cli);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('jobs: --schedule <expr> is required to add a schedule\n');
    expect(await takeSnapshot(admin)).toEqual(before);
    const created = await runJson<ScheduleJson>(['cron', 'add', 'fresh', '--schedule', '@hourly', '--type', 'report', '--update'], cli);
    expect(created.code).toBe(0);
    expect(created.json).toMatchObject({ cron: '@hourly', timezone: 'UTC', overlap: 'allow', payload: {} });
    const snapshot = await takeSnapshot(admin);
    const bad = await runCli(['cron', 'add', 'fresh', '--tz', 'Mars/Olympus', '--update'], cli);
    expect(bad.code).toBe(2);
    expect(await takeSnapshot(admin)).toEqual(snapshot);
  });
});
