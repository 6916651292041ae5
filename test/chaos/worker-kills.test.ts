// Scenario 1: 10,000 jobs, 4 worker processes, at least 30 random SIGKILLs (each worker
// restarted at once). Every acknowledged job must end success exactly once in the queue's
// view and be in the ledger; duplicates only among jobs a killed worker had in flight.
import { setTimeout as pause } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Queue, type JobSpec } from '../../src/index.js';
import { uniqueQueue, until, useRedisServer } from '../helpers/fixtures.js';
import { auditDelivery } from './support/audit.js';
import { recordFigures } from './support/figures.js';
import { WorkerPool } from './support/worker-pool.js';

const JOBS = 10_000;
const WORKERS = 4;
const KILLS = 32;
const LEASE_MS = 1500;

const redis = useRedisServer();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});


describe('scenario 1: worker processes SIGKILLed at random', () => {
  it(`processes ${JOBS} jobs through ${KILLS} kills with 0 lost and duplicates only from killed workers`, async () => {
    const name = uniqueQueue('chaos-kill');
    const ledgerKey = `ledger:${name}`; // outside the queue's keys (jobs:{name}:...)
    const queue = new Queue(name, { connection: redis.url });
    const ledger = new Redis(redis.url);
    cleanups.push(async () => {
      await queue.close();
      ledger.disconnect();
    });

    const specs: JobSpec[] = Array.from({ length: JOBS }, (_, n) => ({
      type: 'ledger',
      payload: { n, ms: 30 + Math.floor(Math.random() * 60) },
      options: { maxAttempts: 25, backoff: { baseMs: 50, capMs: 500 } },
    }));
    const acknowledged = (await queue.enqueueMany(specs)).map((result) => result.id);
    expect(new Set(acknowledged).size).toBe(JOBS);

    const pool = new WorkerPool({ redisUrl: redis.url, queue: name, ledgerKey, leaseMs: LEASE_MS, concurrency: 8 }, WORKERS);
    cleanups.push(() => pool.stop());
    await until(() => pool.slots.every((w) => w.has((l) => l.event === 'ready')), 20_000, 'workers ready');

    const started = Date.now();
    let killsWhileWorkRemained = 0;
    while (pool.kills.length < KILLS) {
      await pause(200 + Math.random() * 300);
      const slot = Math.floor(Math.random() * WORKERS);
      // a worker that has not started a job yet would be a wasted kill
      if (!pool.slots[slot]?.has((l) => l.event === 'started')) continue;
      await pool.killAndRestart(slot);
      const counts = await queue.counts();
      if (counts.pending + counts.retrying > 0) killsWhileWorkRemained += 1;
    }
    const killPhaseMs = Date.now() - started;

    await until(async () => (await queue.counts()).success === JOBS, 180_000, 'every job succeeded');
    const drainedMs = Date.now() - started;
    const counts = await queue.counts();
    const audit = await auditDelivery(queue, acknowledged, ledger, ledgerKey);
    const killedInFlight = pool.killedInFlight();
    const unexplainedDuplicates = audit.duplicates.filter((id) => !killedInFlight.has(id));
    // A job claimed in the claim reply a worker never read (killed mid round trip) is retried
    // without having started: an extra attempt, never a duplicate run. Counted, not failed.
    const retriedUnstarted = audit.retried.filter((id) => !killedInFlight.has(id));
    const lost = audit.missingJobs.length + audit.notSucceeded.length + audit.missingFromLedger.length;

    recordFigures('workerKills', {
      jobs: JOBS,
      workers: WORKERS,
      killsSurvived: pool.kills.length,
      killsWhileWorkRemained,
      jobsInFlightAtKills: killedInFlight.size,
      jobsChecked: audit.checked,
      duplicatesSeen: audit.duplicates.length,
      jobsRetriedAfterKills: audit.retried.length,
      retriedWithoutHavingStarted: retriedUnstarted.length,
      unexplainedDuplicates: unexplainedDuplicates.length,
      lost,
      stuckRunning: counts.running,
      killPhaseMs,
      drainedMs,
    });

    expect(pool.kills.length).toBeGreaterThanOrEqual(30);
    expect(killsWhileWorkRemained).toBeGreaterThanOrEqual(30);
    expect(counts).toMatchObject({ pending: 0, scheduled: 0, running: 0, retrying: 0, failed: 0, success: JOBS });
    expect(audit.succeededInQueue).toBe(JOBS);
    expect(audit.missingJobs).toEqual([]);
    expect(audit.notSucceeded).toEqual([]);
    expect(audit.missingFromLedger).toEqual([]);
    expect(audit.unexpectedInLedger).toEqual([]);
    expect(unexplainedDuplicates).toEqual([]);
    expect(lost).toBe(0);
  });
});
