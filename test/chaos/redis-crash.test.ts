// Scenario 2: Redis with appendonly yes / appendfsync always is SIGKILLed and restarted 3
// times while a producer enqueues and 2 worker processes run jobs, then SCRIPT FLUSH.
// 0 acknowledged enqueues lost; workers resume within 5 s without being restarted; no
// NOSCRIPT error reaches a caller.
import { setTimeout as pause } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Queue, type JobSpec } from '../../src/index.js';
import { uniqueQueue, until } from '../helpers/fixtures.js';
import { RedisServer } from '../helpers/redis-server.js';
import { auditDelivery } from './support/audit.js';
import { recordFigures } from './support/figures.js';
import { WorkerPool } from './support/worker-pool.js';

const CRASHES = 3;
const BATCH = 50;
const RESUME_LIMIT_MS = 5000;

const server = new RedisServer({ appendOnly: true });
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await server.stop();
});


/** Enqueues batches until stopped; a batch whose reply was lost is sent again with the same idempotency keys. */
class Producer {
  readonly acknowledged = new Set<string>();
  readonly errors: string[] = [];
  duplicateReplies = 0;
  private stopped = false;
  private batches = 0;
  readonly done: Promise<void>;

  constructor(private readonly queue: Queue) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const batch = this.batches;
      const specs: JobSpec[] = Array.from({ length: BATCH }, (_, i) => ({
        type: 'ledger',
        payload: { n: batch * BATCH + i, ms: 5 },
        options: { idempotencyKey: `b${batch}-${i}`, maxAttempts: 25, backoff: { baseMs: 50, capMs: 500 } },
      }));
      for (;;) {
        try {
          for (const result of await this.queue.enqueueMany(specs)) {
            this.acknowledged.add(result.id);
            if (result.duplicate) this.duplicateReplies += 1;
          }
          break;
        } catch (error) {
          this.errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
          await pause(50);
        }
      }
      this.batches += 1;
      await pause(40);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

describe('scenario 2: Redis crashes (AOF, fsync always) and SCRIPT FLUSH', () => {
  it(`loses no acknowledged enqueue through ${CRASHES} SIGKILLs of Redis and a SCRIPT FLUSH`, async () => {
    await server.start();
    const name = uniqueQueue('chaos-crash');
    const ledgerKey = `ledger:${name}`;
    const queue = new Queue(name, { connection: server.url });
    const admin = new Redis(server.url, { maxRetriesPerRequest: null });
    admin.on('error', () => undefined); // the test's own connection sees the crashes too
    cleanups.push(async () => {
      await queue.close();
      admin.disconnect();
    });
    const pool = new WorkerPool({ redisUrl: server.url, queue: name, ledgerKey, leaseMs: 3000, concurrency: 8 }, 2);
    cleanups.push(() => pool.stop());
    await until(() => pool.slots.every((w) => w.has((l) => l.event === 'ready')), 20_000, 'workers ready');
    const producer = new Producer(queue);

    const resumeMs: number[] = [];
    /** Time from `since` until a worker records an attempt, i.e. completes work against Redis again. */
    const timeToResume = async (since: number): Promise<number> => {
      await until(() => pool.attemptTimes().some((t) => t > since), 15_000, 'workers to resume');
      return Math.min(...pool.attemptTimes().filter((t) => t > since)) - since;
    };

    for (let crash = 0; crash < CRASHES; crash += 1) {
      await pause(2000);
      await server.kill();
      await pause(300);
      await server.start();
      resumeMs.push(await timeToResume(Date.now()));
    }
    await pause(1000);
    await admin.script('FLUSH');
    const flushedAt = Date.now();
    const resumeAfterFlushMs = await timeToResume(flushedAt);
    await pause(1500);
    await producer.stop();

    const acknowledged = [...producer.acknowledged];
    await until(async () => (await queue.counts()).success >= acknowledged.length, 60_000, 'every acknowledged job succeeded');
    const counts = await queue.counts();
    const audit = await auditDelivery(queue, acknowledged, admin, ledgerKey);
    const warnings = pool.warnings();
    const noscript = [...producer.errors, ...warnings].filter((message) => /NOSCRIPT/i.test(message));
    const lost = audit.missingJobs.length + audit.notSucceeded.length + audit.missingFromLedger.length;
    const workersStillFirst = pool.everStarted.length === pool.slots.length && pool.slots.every((w) => w.running);

    recordFigures('redisCrashes', {
      redisKills: CRASHES,
      scriptFlushes: 1,
      jobsAcknowledged: acknowledged.length,
      jobsChecked: audit.checked,
      producerErrorsDuringOutages: producer.errors.length,
      resentBatchesFoundDuplicate: producer.duplicateReplies,
      duplicatesSeen: audit.duplicates.length,
      lost,
      worstResumeMs: Math.max(...resumeMs, resumeAfterFlushMs),
      resumeMs: resumeMs.join(','),
      resumeAfterFlushMs,
      noscriptErrors: noscript.length,
      workersRestarted: !workersStillFirst,
    });

    expect(workersStillFirst).toBe(true);
    for (const ms of resumeMs) expect(ms).toBeLessThan(RESUME_LIMIT_MS);
    expect(resumeAfterFlushMs).toBeLessThan(RESUME_LIMIT_MS);
    expect(noscript).toEqual([]);
    expect(counts).toMatchObject({ pending: 0, running: 0, retrying: 0, failed: 0 });
    expect(audit.missingJobs).toEqual([]);
    expect(audit.notSucceeded).toEqual([]);
    expect(audit.missingFromLedger).toEqual([]);
    expect(audit.unexpectedInLedger).toEqual([]);
    expect(lost).toBe(0);
  });
});
