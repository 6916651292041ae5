// Scenario 3: `jobs worker --shutdown-timeout 5s` gets SIGTERM with 100 jobs running. It
// exits within the timeout plus 1 s, unfinished jobs are pending again at once (attempt
// not counted), jobs never claimed stay pending, and nothing is lost.
import { describe, expect, it } from 'vitest';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';
import { startCli, TEST_HANDLERS } from './support/processes.js';

const redis = useRedisServer();
const { open } = queueFactory(redis);

describe('scenario 3: SIGTERM drain of `jobs worker`', () => {
  it('hands 100 hanging jobs back as pending and exits within --shutdown-timeout + 1 s', async () => {
    const queue = open();
    const quick = await queue.enqueueMany(Array.from({ length: 20 }, (_, n) => ({ type: 'echo', payload: { n } })));
    const hanging = await queue.enqueueMany(Array.from({ length: 100 }, () => ({ type: 'hang' })));
    const worker = startCli(
      ['--redis', redis.url, '--queue', queue.name, '--json', 'worker', '--handlers', TEST_HANDLERS, '--concurrency', '100', '--shutdown-timeout', '5s'],
    );
    try {
      await until(async () => (await queue.counts()).running === 100 && (await queue.counts()).success === 20, 15_000, '100 running');
      // the pool is full: more work stays pending while the worker shuts down
      const unclaimed = await queue.enqueueMany(Array.from({ length: 30 }, () => ({ type: 'echo' })));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const signalledAt = Date.now();
      worker.signal('SIGTERM');
      const exit = await worker.exited;
      const exitedInMs = exit.at - signalledAt;

      expect(exit.code).toBe(0);
      expect(exitedInMs).toBeGreaterThanOrEqual(4900); // the hanging jobs got their grace period
      expect(exitedInMs).toBeLessThan(6000);
      expect(await queue.counts()).toMatchObject({ running: 0, pending: 130, success: 20, failed: 0, retrying: 0 });
      for (const job of await queue.getJobs(hanging.map((j) => j.id))) {
        expect(job).toMatchObject({ status: 'pending', attempts: 0 });
      }
      for (const job of await queue.getJobs(unclaimed.map((j) => j.id))) expect(job.status).toBe('pending');
      expect((await queue.getJobs([...hanging, ...quick, ...unclaimed].map((j) => j.id))).length).toBe(150);
      const summary = worker.lines.find((line) => line.value.event === 'summary');
      expect(summary?.value).toMatchObject({ reason: 'signal', returned: 100, success: 20 });
    } finally {
      await worker.kill();
    }
  });

  it('lets 100 running jobs finish when they end within the timeout', async () => {
    const queue = open();
    const jobs = await queue.enqueueMany(Array.from({ length: 100 }, () => ({ type: 'slow', payload: { ms: 1500 } })));
    const worker = startCli(
      ['--redis', redis.url, '--queue', queue.name, '--json', 'worker', '--handlers', TEST_HANDLERS, '--concurrency', '100', '--shutdown-timeout', '5s'],
    );
    try {
      await until(async () => (await queue.counts()).running === 100, 15_000, '100 running');
      const signalledAt = Date.now();
      worker.signal('SIGTERM');
      const exit = await worker.exited;
      expect(exit.code).toBe(0);
      expect(exit.at - signalledAt).toBeLessThan(5000);
      expect(await queue.counts()).toMatchObject({ running: 0, pending: 0, success: 100 });
      for (const job of await queue.getJobs(jobs.map((j) => j.id))) expect(job).toMatchObject({ status: 'success', attempts: 1 });
    } finally {
      await worker.kill();
    }
  });
});
