// Scenario 4, the whole queue under every fault at once: 4 worker processes that are SIGKILLed
// (then restarted), SIGSTOPped for 1-3 s (then continued) and SIGTERMed (graceful close, then
// replaced), 2 producers logging every acknowledged enqueue, and a canceller. Afterwards every
// acknowledged job is accounted for: not cancelled -> success once in the queue's view, within
// maxAttempts; a cancel answered 'cancelled' or 'requested' -> cancelled; nothing stuck; and a
// job's handler ran twice only if one of its runs was in a killed or stopped process: never
// because of a graceful SIGTERM.
import { setTimeout as pause } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidStateError, Queue, type JobSpec } from '../../src/index.js';
import { uniqueQueue, until, useRedisServer } from '../helpers/fixtures.js';
import { LineProcess } from '../reliability/support/processes.js';
import { recordFigures } from './support/figures.js';

const WORKER = fileURLToPath(new URL('../fixtures/total-queue-worker.mjs', import.meta.url));
const WORKERS = 4;
const LEASE_MS = 1500;
const GRACE_MS = 6000; // above the longest job (4 s): a graceful close never runs out of time
const MAX_ATTEMPTS = 25;
const FAULTS = { kill: 10, stop: 10, term: 10 } as const;
type Fault = keyof typeof FAULTS;

const redis = useRedisServer();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A worker process and what was done to it. */
interface Slot {
  process: LineProcess;
  fault?: Fault;
}

class Pool {
  readonly slots: Slot[] = [];
  readonly all: Slot[] = [];

  constructor(private readonly env: Record<string, string>) {
    for (let i = 0; i < WORKERS; i += 1) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const slot: Slot = { process: new LineProcess([WORKER], this.env) };
    this.all.push(slot);
    return slot;
  }

  ready(index: number): boolean {
    return this.slots[index]?.process.has((line) => line.event === 'ready') ?? false;
  }

  async apply(fault: Fault, index: number): Promise<void> {
    const slot = this.slots[index];
    if (!slot) throw new Error(`no worker in slot ${index}`);
    // a process once killed or stopped may cause duplicates; keep the first fault that can
    if (fault !== 'term' || !slot.fault) slot.fault = fault;
    if (fault === 'kill') {
      await slot.process.kill();
      this.slots[index] = this.spawn();
    } else if (fault === 'stop') {
      slot.process.signal('SIGSTOP');
      await pause(1000 + Math.random() * 2000);
      slot.process.signal('SIGCONT');
    } else {
      slot.process.signal('SIGTERM');
      const exit = await slot.process.exited;
      if (exit.code !== 0) throw new Error(`a gracefully stopped worker exited ${exit.code ?? exit.signal}: ${slot.process.stderr}`);
      this.slots[index] = this.spawn();
    }
  }

  /** Ids each process started, with the fault done to that process. */
  runs(): { id: string; fault: Fault | undefined }[] {
    return this.all.flatMap((slot) =>
      slot.process.lines.filter((l) => l.value.event === 'started').map((l) => ({ id: String(l.value.id), fault: slot.fault })),
    );
  }

  warnings(): string[] {
    return this.all.flatMap((slot) => slot.process.lines.filter((l) => l.value.event === 'warning').map((l) => String(l.value.message)));
  }

  async stop(): Promise<void> {
    for (const slot of this.all) slot.process.signal('SIGCONT');
    await Promise.all(this.all.map((slot) => slot.process.kill()));
  }
}

/** Enqueues batches with idempotency keys until stopped, logging every acknowledged id. */
async function produce(queue: Queue, label: string, acknowledged: Set<string>, stopped: () => boolean): Promise<void> {
  for (let batch = 0; !stopped(); batch += 1) {
    const specs: JobSpec[] = Array.from({ length: 20 }, (_, i) => ({
      type: 'work',
      payload: { n: `${label}-${batch}-${i}`, ms: jobMs(), failFirst: Math.random() < 0.1 ? 2 : 0 },
      options: { idempotencyKey: `${label}-${batch}-${i}`, maxAttempts: MAX_ATTEMPTS, backoff: { baseMs: 50, capMs: 500 } },
    }));
    for (const result of await queue.enqueueMany(specs)) acknowledged.add(result.id);
    await pause(150);
  }
}

/**
 * Most jobs take 20-80 ms; 3% take 2-4 s, longer than the lease, so a graceful close often
 * waits on a long job while short ones finish: their outcomes must be recorded at once.
 */
function jobMs(): number {
  return Math.random() < 0.03 ? 2000 + Math.floor(Math.random() * 2000) : 20 + Math.floor(Math.random() * 60);
}

/** Cancels random acknowledged jobs until stopped, logging each answer. */
async function cancelRandomly(queue: Queue, acknowledged: Set<string>, answers: Map<string, string>, stopped: () => boolean): Promise<void> {
  while (!stopped()) {
    await pause(60);
    const ids = [...acknowledged];
    const id = ids[Math.floor(Math.random() * ids.length)];
    if (id === undefined || answers.has(id)) continue;
    try {
      answers.set(id, await queue.cancel(id));
    } catch (error) {
      if (!(error instanceof InvalidStateError)) throw error;
      answers.set(id, 'refused');
    }
  }
}

describe('scenario 4: the total queue under kills, stops, graceful stops and cancels', () => {
  it('accounts for every acknowledged job, and no graceful stop ever causes a second run', async () => {
    const name = uniqueQueue('chaos-total');
    const ledgerKey = `ledger:${name}`;
    const queue = new Queue(name, { connection: redis.url });
    const producerQueues = [new Queue(name, { connection: redis.url }), new Queue(name, { connection: redis.url })];
    const ledger = new Redis(redis.url);
    const pool = new Pool({
      REDIS_URL: redis.url,
      QUEUE: name,
      LEASE_MS: String(LEASE_MS),
      CONCURRENCY: '8',
      GRACE_MS: String(GRACE_MS),
      LEDGER_KEY: ledgerKey,
    });
    cleanups.push(async () => {
      await pool.stop();
      await Promise.all([queue, ...producerQueues].map((q) => q.close()));
      ledger.disconnect();
    });
    await until(() => pool.slots.every((_, i) => pool.ready(i)), 20_000, 'workers ready');

    let faultsDone = false;
    const acknowledged = new Set<string>();
    const cancels = new Map<string, string>();
    const background = Promise.all([
      ...producerQueues.map((q, i) => produce(q, `p${i}`, acknowledged, () => faultsDone)),
      cancelRandomly(queue, acknowledged, cancels, () => faultsDone),
    ]);

    const remaining: Record<Fault, number> = { ...FAULTS };
    const started = Date.now();
    while (remaining.kill + remaining.stop + remaining.term > 0) {
      await pause(200 + Math.random() * 300);
      const index = Math.floor(Math.random() * WORKERS);
      if (!pool.ready(index)) continue;
      const choices = (Object.keys(remaining) as Fault[]).filter((fault) => remaining[fault] > 0);
      const fault = choices[Math.floor(Math.random() * choices.length)];
      if (!fault) break;
      await pool.apply(fault, index);
      remaining[fault] -= 1;
    }
    faultsDone = true;
    await background;
    const faultPhaseMs = Date.now() - started;

    await until(
      async () => {
        const c = await queue.counts();
        return c.pending + c.scheduled + c.running + c.retrying === 0;
      },
      180_000,
      'the queue to settle',
    );
    const counts = await queue.counts();

    const runsById = new Map<string, (Fault | undefined)[]>();
    for (const run of pool.runs()) runsById.set(run.id, [...(runsById.get(run.id) ?? []), run.fault]);
    const ledgerRuns = await ledger.hgetall(`${ledgerKey}:runs`);
    const duplicates = Object.entries(ledgerRuns).filter(([, n]) => Number(n) > 1).map(([id]) => id);
    const explained = (id: string): boolean => (runsById.get(id) ?? []).some((fault) => fault === 'kill' || fault === 'stop');
    const unexplainedDuplicates = duplicates.filter((id) => !explained(id));

    const ids = [...acknowledged];
    const wrong: string[] = [];
    let overAttempts = 0;
    let cancelledJobs = 0;
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const jobs = new Map((await queue.getJobs(chunk)).map((job) => [job.id, job]));
      for (const id of chunk) {
        const job = jobs.get(id);
        const answer = cancels.get(id);
        const expected = answer === 'cancelled' || answer === 'requested' ? 'cancelled' : 'success';
        if (!job || job.status !== expected) wrong.push(`${id}: ${job?.status ?? 'missing'}, expected ${expected} (cancel: ${answer ?? 'none'})`);
        if (job && job.attempts > job.maxAttempts) overAttempts += 1;
        if (job?.status === 'cancelled') cancelledJobs += 1;
        if (expected === 'success' && !ledgerRuns[id]) wrong.push(`${id}: succeeded without its side effect`);
      }
    }
    const answers = [...cancels.values()];

    recordFigures('totalQueue', {
      workers: WORKERS,
      sigkills: FAULTS.kill,
      sigstops: FAULTS.stop,
      sigterms: FAULTS.term,
      jobsAcknowledged: ids.length,
      cancelsCancelled: answers.filter((a) => a === 'cancelled').length,
      cancelsRequested: answers.filter((a) => a === 'requested').length,
      cancelsRefused: answers.filter((a) => a === 'refused').length,
      jobsCancelled: cancelledJobs,
      jobsWrong: wrong.length,
      overMaxAttempts: overAttempts,
      duplicateRuns: duplicates.length,
      duplicatesFromGracefulStops: unexplainedDuplicates.length,
      stuck: counts.pending + counts.scheduled + counts.running + counts.retrying,
      deadLettered: counts.failed,
      workerWarnings: pool.warnings().length,
      faultPhaseMs,
    });

    expect(ids.length).toBeGreaterThan(1000);
    expect(answers.filter((a) => a === 'requested').length + answers.filter((a) => a === 'cancelled').length).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
    expect(overAttempts).toBe(0);
    expect(counts.failed).toBe(0);
    expect(unexplainedDuplicates).toEqual([]);
  }, 420_000);
});
