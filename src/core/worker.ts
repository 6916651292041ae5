import { warnIfEvicting, type RedisConnection } from './connection.js';
import { claimJobs, type ClaimReply } from './claim.js';
import { readCounts } from './counts.js';
import { ValidationError } from './errors.js';
import { QueueHandle } from './handle.js';
import { describeAttempt, RunningJob, type ClaimedJob, type Finished } from './job-runner.js';
import { LeaseKeeper } from './lease-keeper.js';
import { PrefetchBuffer } from './prefetch.js';
import { Scheduler } from './scheduler.js';
import { Signal, sleep } from './signal.js';
import { WorkerRegistration } from './worker-registry.js';
import type { WorkerOptions } from './worker-options.js';
import { WorkWaiter } from './work-waiter.js';

export type { WorkerOptions } from './worker-options.js';

/** Longest gap between two upkeep passes of a busy worker, in ms. */
const UPKEEP_MS = 250;
/** Jobs claimed ahead by default: at least this many, or the concurrency. */
const DEFAULT_PREFETCH = 8;
/** Claims on their way at once: enough to keep Node and Redis both busy, few enough for full batches. */
const claimsInFlight = (capacity: number): number => (capacity >= 64 ? 4 : 2);

/** Runs handlers for the jobs of one queue. */
export class Worker {
  readonly handle: QueueHandle;
  /** Resolves when the worker has stopped (close, drain or maxJobs). */
  readonly done: Promise<void>;
  private readonly options: WorkerOptions;
  /** Jobs run at once (the concurrency option). */
  readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly blocker: RedisConnection;
  private readonly waiter: WorkWaiter;
  private readonly running = new Map<string, RunningJob>();
  private outcomes: Finished[] = [];
  private readonly wake = new Signal();
  private readonly leases: LeaseKeeper;
  private claimedTotal = 0;
  /** Claim calls on their way to Redis and back. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Slots that claims in flight asked for. */
  private reserved = 0;
  private readonly prefetched: PrefetchBuffer;
  /** The last claim came up short: block on Redis before claiming again. */
  private dry = false;
  private lastReply: ClaimReply | undefined;
  private claimFailures = 0;
  private lastUpkeep = 0;
  private stopping = false;
  private started = false;
  private resolveDone!: () => void;
  private closing: Promise<void> | undefined;
  private scheduler: Scheduler | undefined;
  private readonly registration: WorkerRegistration;
  private looping = false;

  constructor(queue: string, options: WorkerOptions) {
    this.options = options;
    this.handle = new QueueHandle(queue, options, 'worker');
    this.concurrency = options.concurrency ?? 1;
    this.leaseMs = options.leaseMs ?? 30_000;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new ValidationError('concurrency must be a whole number of at least 1');
    }
    const prefetch = options.prefetch ?? Math.max(DEFAULT_PREFETCH, this.concurrency);
    if (!Number.isInteger(prefetch) || prefetch < 0) throw new ValidationError('prefetch must be a whole number of at least 0');
    this.prefetched = new PrefetchBuffer(prefetch);
    if (!Number.isInteger(this.leaseMs) || this.leaseMs < 100) throw new ValidationError('leaseMs must be at least 100');
    this.blocker = this.handle.openBlockingConnection();
    this.waiter = new WorkWaiter(this.blocker, this.handle.keys.marker, this.wake);
    this.leases = new LeaseKeeper(this.handle, this.leaseMs, this.running, this.prefetched, (message) => this.warn(message));
    this.registration = new WorkerRegistration(this.handle, this.concurrency, () => this.running.size, options.registration);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get name(): string {
    return this.handle.name;
  }

  /** Jobs running now. */
  get busy(): number {
    return this.running.size;
  }

  /** True while the claim loop runs (for health checks: a worker whose loop died is not alive). */
  get alive(): boolean {
    return this.looping;
  }

  /** The id this worker is listed under in `jobs workers`. */
  get registrationId(): string {
    return this.registration.id;
  }

  /** Connects and starts claiming jobs. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.handle.ready();
    await warnIfEvicting(this.handle.redis, (message) => this.warn(message));
    this.leases.start();
    if (this.options.schedules !== false) {
      this.scheduler = new Scheduler(this.handle, { onWarning: (message) => this.warn(message) });
      this.scheduler.start();
    }
    await this.registration.start();
    this.looping = true;
    void this.loop().finally(() => (this.looping = false));
  }

  /**
   * Stops claiming, lets running jobs finish for up to `timeoutMs` (default 30 s), then aborts
   * the rest and hands them back as pending at once. Resolves when all is recorded.
   */
  close(timeoutMs = 30_000): Promise<void> {
    this.closing ??= this.shutdown(timeoutMs);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.wake.fire();
    const schedulerStopped = this.scheduler?.stop();
    // jobs a claim in flight brings back are ours to finish or hand back too
    await Promise.all(this.inFlight);
    for (const job of this.prefetched.takeAll()) {
      this.outcomes.push({ outcome: { kind: 'back', id: job.id, leaseToken: job.leaseToken }, durationMs: 0 });
    }
    const settled = Promise.all([...this.running.values()].map((job) => job.outcome));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    const timedOut = await Promise.race([settled.then(() => false), grace]);
    clearTimeout(timer);
    if (timedOut) {
      for (const job of this.running.values()) job.abort('shutdown', 'worker shutting down');
      await Promise.all([...this.running.values()].map((job) => job.outcome));
    }
    await this.flushRemaining();
    await this.registration.stop();
    this.leases.stop();
    this.blocker.disconnect();
    await this.handle.close();
    await schedulerStopped;
    this.resolveDone();
  }

  /**
   * The claim loop. Claims go out without waiting for the previous one (two at once, four
   * when the worker may hold 64 jobs or more, each for a share), so Node runs one batch while Redis works on the next; when
   * the queue runs dry the loop blocks on Redis until work appears.
   */
  private async loop(): Promise<void> {
    while (!this.stopping) {
      const idle = this.running.size === 0 && this.prefetched.size === 0 && this.inFlight.size === 0;
      if (this.claimLimitReached() && idle && this.outcomes.length === 0) break;
      const capacity = this.capacity();
      const maxInFlight = claimsInFlight(capacity);
      const free = this.freeSlots(capacity);
      const want = this.dry ? 0 : Math.min(free, Math.ceil(capacity / maxInFlight));
      if ((want > 0 || this.outcomes.length > 0) && this.inFlight.size < maxInFlight) {
        this.sendClaim(want);
        continue;
      }
      if (this.inFlight.size > 0 || free === 0) {
        await this.wake.wait();
        continue;
      }
      // dry: nothing in flight, nothing to record, free slots and no ready job
      if (this.options.exitWhenDrained && this.running.size === 0 && (await this.isDrained())) break;
      await this.waitForWork(this.lastReply);
      this.dry = false;
    }
    await Promise.all(this.inFlight);
    if (!this.stopping) void this.close();
  }

  private sendClaim(want: number): void {
    const finished = this.outcomes;
    this.outcomes = [];
    this.reserved += want;
    const call: Promise<void> = this.claim(finished, want)
      .then((reply) => {
        this.claimFailures = 0;
        this.report(finished, reply.settled);
        for (const job of reply.jobs) {
          if (this.running.size < this.concurrency) this.run(job);
          else this.prefetched.push(job);
        }
        if (want > 0) {
          this.dry = reply.jobs.length < want;
          this.lastReply = reply;
        }
      })
      .catch(async (error: unknown) => {
        this.outcomes = finished.concat(this.outcomes);
        this.claimFailures += 1;
        this.warn(`claim failed (${error instanceof Error ? error.message : String(error)}); retrying`);
        await sleep(Math.min(50 * 2 ** this.claimFailures, 2000));
      })
      .finally(() => {
        this.reserved -= want;
        this.inFlight.delete(call);
        this.wake.fire();
      });
    this.inFlight.add(call);
  }

  /** Jobs this worker may hold: its slots, and prefetched jobs while handlers are fast. */
  private capacity(): number {
    return this.concurrency + this.prefetched.extraSlots;
  }

  /** Capacity not taken by running or prefetched jobs nor asked for by a claim in flight (and within maxJobs). */
  private freeSlots(capacity: number): number {
    const free = capacity - this.running.size - this.prefetched.size - this.reserved;
    if (this.options.maxJobs === undefined) return free;
    return Math.max(0, Math.min(free, this.options.maxJobs - this.claimedTotal - this.reserved));
  }

  private claimLimitReached(): boolean {
    return this.options.maxJobs !== undefined && this.claimedTotal >= this.options.maxJobs;
  }

  private async claim(finished: Finished[], want: number): Promise<ClaimReply> {
    const reply = await claimJobs(this.handle, {
      leaseMs: this.leaseMs,
      want,
      // upkeep at least every UPKEEP_MS; the script also does it whenever ready jobs run short
      upkeep: Date.now() - this.lastUpkeep >= UPKEEP_MS,
      outcomes: finished.map((f) => f.outcome),
    });
    if (reply.upkeepDone) this.lastUpkeep = Date.now();
    this.claimedTotal += reply.jobs.length;
    return reply;
  }

  private run(job: ClaimedJob): void {
    const running = new RunningJob(job, this.options.handlers, this.handle.name, (j, value) =>
      this.leases.progress(j, value),
    );
    this.running.set(job.id, running);
    void running.outcome.then((outcome) => {
      this.running.delete(job.id);
      // A job whose lease was lost belongs to someone else now; its outcome would be refused.
      const durationMs = performance.now() - running.startedAt;
      this.prefetched.recordDuration(durationMs);
      if (running.abortReason !== 'lease-lost') this.outcomes.push({ outcome, running, durationMs });
      const next = this.stopping ? undefined : this.prefetched.shift();
      if (next) this.run(next);
      this.wake.fire();
    });
  }

  /** Blocks on the queue's marker until new work, a due job, a finished job or shutdown. */
  private async waitForWork(reply: ClaimReply | undefined): Promise<void> {
    let waitMs = this.options.blockTimeoutMs ?? 30_000;
    if (reply && !reply.paused && reply.nextDueMs >= 0) waitMs = Math.min(waitMs, reply.nextDueMs - Date.now());
    await this.waiter.wait(waitMs);
  }

  /** No due pending job, none running (on any worker) and none retrying. */
  private async isDrained(): Promise<boolean> {
    const counts = await readCounts(this.handle);
    return counts.pending === 0 && counts.running === 0 && counts.retrying === 0;
  }

  /** Settles what is left at shutdown, retrying while Redis is unreachable. */
  private async flushRemaining(): Promise<void> {
    for (let attempt = 0; this.outcomes.length > 0 && attempt < 20; attempt += 1) {
      const outcomes = this.outcomes;
      this.outcomes = [];
      try {
        this.report(outcomes, (await this.claim(outcomes, 0)).settled);
      } catch (error) {
        this.outcomes = outcomes.concat(this.outcomes);
        this.warn(`could not record ${outcomes.length} outcomes: ${error instanceof Error ? error.message : String(error)}`);
        await sleep(250);
      }
    }
  }

  private report(finished: Finished[], settled: boolean[]): void {
    finished.forEach((f, i) => {
      if (!settled[i]) {
        this.warn(`job ${f.outcome.id}: lease lost before its outcome was recorded; another worker owns it`);
        return;
      }
      // a prefetched job handed back at shutdown never ran: no attempt to report
      if (f.running) this.options.onAttempt?.(describeAttempt(f.running, f.outcome, f.durationMs));
    });
  }

  private warn(message: string): void {
    this.options.onWarning?.(message);
  }
}
