// Scenario 5 (long half): a `jobs worker` whose Redis goes away for 10 s and comes back
// resumes by itself: it does not exit, records the outcome of the job it was running, and
// runs new jobs within 5 s. A producer meanwhile fails fast with RedisUnavailableError.
import { setTimeout as pause } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Queue, RedisUnavailableError } from '../../src/index.js';
import { uniqueQueue, until } from '../helpers/fixtures.js';
import { RedisServer } from '../helpers/redis-server.js';
import { startCli, TEST_HANDLERS, type LineProcess } from '../reliability/support/processes.js';
import { recordFigures } from './support/figures.js';

const OUTAGE_MS = 10_000;

const server = new RedisServer({ appendOnly: true });
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await server.stop();
});

const attempts = (worker: LineProcess, since = 0): number =>
  worker.lines.filter((line) => line.value.event === 'attempt' && line.receivedAt > since).length;

describe('scenario 5: Redis away for 10 s', () => {
  it('a running `jobs worker` resumes by itself when Redis comes back', async () => {
    await server.start();
    const name = uniqueQueue('chaos-away');
    const ledgerKey = `ledger:${name}`;
    const queue = new Queue(name, { connection: server.url });
    const ledger = new Redis(server.url, { maxRetriesPerRequest: null });
    ledger.on('error', () => undefined);
    cleanups.push(async () => {
      await queue.close();
      ledger.disconnect();
    });
    const worker = startCli(['--redis', server.url, '--queue', name, '--json', 'worker', '--handlers', TEST_HANDLERS, '--concurrency', '4'], {
      LEDGER_REDIS_URL: server.url,
      LEDGER_KEY: ledgerKey,
    });
    cleanups.push(() => worker.kill());
    await until(() => worker.has((l) => l.event === 'started'), 15_000, 'worker started');

    const before = await queue.enqueueMany(Array.from({ length: 20 }, (_, n) => ({ type: 'ledger', payload: { n } })));
    await until(async () => (await queue.counts()).success === 20, 10_000, 'first 20 jobs');
    const { id: slowId } = await queue.enqueue('slow', { ms: 3000 });
    await until(async () => (await queue.requireJob(slowId)).status === 'running', 5000, 'slow job running');

    await server.kill();
    const outageStarted = Date.now();
    const refused = await queue.enqueue('ledger', { n: -1 }).then(
      () => 'accepted',
      (error: unknown) => error,
    );
    const producerFailedInMs = Date.now() - outageStarted;
    await pause(OUTAGE_MS - (Date.now() - outageStarted));
    const aliveThroughOutage = worker.running;
    await server.start();
    const backAt = Date.now();

    const after = await queue.enqueueMany(Array.from({ length: 20 }, (_, n) => ({ type: 'ledger', payload: { n: 100 + n } })));
    await until(() => attempts(worker, backAt) > 0, 15_000, 'first attempt after Redis came back');
    const resumedInMs = Math.min(...worker.lines.filter((l) => l.value.event === 'attempt' && l.receivedAt > backAt).map((l) => l.receivedAt)) - backAt;
    await until(async () => (await queue.counts()).success === 41, 15_000, 'all jobs after the outage');
    const allDoneInMs = Date.now() - backAt;
    const slow = await queue.requireJob(slowId);
    const ledgerIds = new Set(await ledger.smembers(ledgerKey));
    const missing = [...before, ...after].filter(({ id }) => !ledgerIds.has(id));
    const warningLines = worker.stderr.split('\n').filter((line) => line.includes('warning'));

    worker.signal('SIGTERM');
    const exit = await worker.exited;

    recordFigures('redisAway', {
      outageMs: backAt - outageStarted,
      workerAliveThroughOutage: aliveThroughOutage,
      resumedInMs,
      allDoneInMs,
      producerFailedInMs,
      jobsChecked: before.length + after.length + 1,
      lost: missing.length,
      workerWarningLines: warningLines.length,
    });

    expect(refused).toBeInstanceOf(RedisUnavailableError);
    expect(producerFailedInMs).toBeLessThan(5000);
    expect(aliveThroughOutage).toBe(true);
    expect(resumedInMs).toBeLessThan(5000);
    expect(slow).toMatchObject({ status: 'success', attempts: 1, result: 'slept' });
    expect(missing).toEqual([]);
    expect(worker.stderr).not.toMatch(/\n\s+at /); // no stack traces in the log
    expect(exit.code).toBe(0);
  });
});
