// The worker judges time by the Redis server's clock: with its own clock 20 s or 2 h ahead of
// or behind Redis, a job delayed 2 s runs about 2 s later, an abandoned lease is recovered when
// it expires, and the idle worker does not poll (few script calls while it waits).
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimJobs } from '../../src/core/claim.js';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';
import { CLI_BIN, LineProcess, TEST_HANDLERS } from './support/processes.js';

const redis = useRedisServer();
const { open } = queueFactory(redis);
const SHIFT_CLOCK = fileURLToPath(new URL('../fixtures/shift-clock.mjs', import.meta.url));
let client: Redis;
beforeAll(() => {
  client = new Redis(redis.url);
});
afterAll(() => client.disconnect());

/** Script calls (EVALSHA and EVAL) the server ran since its statistics were reset. */
async function scriptCalls(): Promise<number> {
  const info = await client.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(match[1]);
  return calls;
}

const SHIFTS: [string, number][] = [
  ['20 s behind', -20_000],
  ['20 s ahead', 20_000],
  ['2 h behind', -7_200_000],
  ['2 h ahead', 7_200_000],
];

describe('a worker whose clock is off', () => {
  it.each(SHIFTS)('%s: a job delayed 2 s runs on time, an expired lease is recovered on time, no busy polling', async (_label, shiftMs) => {
    const queue = open();
    // a lease nobody renews (its worker vanished), due to expire 4 s from now by Redis's clock
    const orphan = await queue.enqueue('echo', { n: 2 });
    const claimed = await claimJobs(queue.handle, { leaseMs: 4000, want: 1, upkeep: false, outcomes: [] });
    expect(claimed.jobs.map((j) => j.id)).toEqual([orphan.id]);
    const claimedAt = (await queue.requireJob(orphan.id)).startedAt?.getTime() ?? 0;
    const worker = new LineProcess(
      ['--import', SHIFT_CLOCK, CLI_BIN, '--redis', redis.url, '--queue', queue.name, '--json', 'worker', '--handlers', TEST_HANDLERS],
      { CLOCK_SHIFT_MS: String(shiftMs) },
    );
    try {
      await until(() => worker.has((line) => line.event === 'started'), 15_000, 'worker started');
      await client.config('RESETSTAT');
      const delayed = await queue.enqueue('echo', { n: 1 }, { delay: 2000 });
      await until(async () => (await queue.requireJob(delayed.id)).status === 'success', 10_000, 'delayed job done');
      const calls = await scriptCalls();
      const job = await queue.requireJob(delayed.id);
      const lateMs = (job.startedAt?.getTime() ?? 0) - (job.createdAt.getTime() + 2000);
      expect(lateMs).toBeGreaterThanOrEqual(0);
      expect(lateMs).toBeLessThan(2500);
      // an idle worker that waits on Redis makes a handful of calls, not hundreds
      expect(calls).toBeLessThan(40);

      // the abandoned lease is recovered when it expires, not when this host's clock says so
      await until(async () => (await queue.requireJob(orphan.id)).status === 'success', 10_000, 'orphan recovered');
      const recovered = await queue.requireJob(orphan.id);
      expect(recovered.attempts).toBe(2);
      const recoveredAfterMs = (recovered.startedAt?.getTime() ?? 0) - claimedAt;
      expect(recoveredAfterMs).toBeGreaterThanOrEqual(4000);
      expect(recoveredAfterMs).toBeLessThan(4000 + 2500);
    } finally {
      await worker.kill();
    }
  }, 40_000);
});
