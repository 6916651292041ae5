// Scenario 4: a handler that always throws reaches the DLQ after exactly maxAttempts; a
// handler that blocks its worker's event loop past the lease is recovered by another worker,
// whose outcome stands while the frozen worker's late ack is refused; other jobs keep flowing.
import { describe, expect, it } from 'vitest';
import type { AttemptReport } from '../../src/index.js';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';
import { CHAOS_WORKER, LineProcess } from './support/processes.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);
const FREEZE_MS = 3000;

describe('scenario 4: poison jobs', () => {
  it('dead-letters a throwing job after maxAttempts and recovers a frozen one while others flow', async () => {
    const queue = open();
    const frozenWorker = new LineProcess([CHAOS_WORKER], { REDIS_URL: redis.url, QUEUE: queue.name, LEASE_MS: '500', CONCURRENCY: '1' });
    try {
      await until(() => frozenWorker.has((l) => l.event === 'ready'), 15_000, 'child worker ready');
      const { id: frozenId } = await queue.enqueue('freeze', { ms: FREEZE_MS }, { maxAttempts: 3 });
      await until(() => frozenWorker.has((l) => l.event === 'started' && l.id === frozenId), 10_000, 'child froze on the job');
      const frozenAt = frozenWorker.lines.find((l) => l.value.event === 'started')?.receivedAt ?? Date.now();

      const { id: poisonId } = await queue.enqueue('fail', { message: 'poison pill' }, { maxAttempts: 4, backoff: { baseMs: 20, capMs: 50 } });
      const others = await queue.enqueueMany(Array.from({ length: 200 }, (_, n) => ({ type: 'echo', payload: { n } })));
      const reports: AttemptReport[] = [];
      const worker = work(queue, {
        concurrency: 4,
        handlers: {
          fail: () => {
            throw new Error('poison pill');
          },
          echo: (payload) => payload,
          freeze: () => 'recovered by the second worker',
        },
        onAttempt: (report) => reports.push(report),
      });
      await worker.start();

      await until(async () => (await queue.requireJob(frozenId)).status === 'success', 10_000, 'frozen job recovered');
      await until(async () => (await queue.counts()).success === 201, 10_000, 'other jobs done');
      await until(async () => (await queue.requireJob(poisonId)).status === 'failed', 10_000, 'poison dead-lettered');
      const lastOtherFinished = Math.max(...(await queue.getJobs(others.map((j) => j.id))).map((j) => j.finishedAt?.getTime() ?? Infinity));
      // the late ack comes once the child's event loop runs again
      await until(() => frozenWorker.has((l) => l.event === 'warning' && String(l.message).includes('lease lost')), 10_000, 'late ack refused');

      const poison = await queue.requireJob(poisonId);
      expect(poison).toMatchObject({ status: 'failed', attempts: 4, maxAttempts: 4, error: 'poison pill' });
      expect((await queue.deadLetters.list()).map((j) => j.id)).toEqual([poisonId]);
      expect(reports.filter((r) => r.id === poisonId).map((r) => r.status)).toEqual(['retrying', 'retrying', 'retrying', 'failed']);

      expect(await queue.requireJob(frozenId)).toMatchObject({ status: 'success', attempts: 2, result: 'recovered by the second worker' });
      expect(frozenWorker.has((l) => l.event === 'attempt' && l.id === frozenId)).toBe(false);
      expect(lastOtherFinished).toBeLessThan(frozenAt + FREEZE_MS); // all 200 done while the child was frozen
      expect(await queue.counts()).toMatchObject({ running: 0, pending: 0, retrying: 0, failed: 1, success: 201 });
    } finally {
      await frozenWorker.kill();
    }
  });
});
