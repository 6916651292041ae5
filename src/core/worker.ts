import { CancelListener } from './cancel-listener.js';
import { claimJobs, type ClaimReply } from './claim.js';
import { warnIfEvicting, type RedisConnection } from './connection.js';
import { readCounts } from './counts.js';
import { ValidationError } from './errors.js';
import { QueueHandle } from './handle.js';
import { Executor } from './executor.js';
import type { ClaimedJob, Finished } from './job-runner.js';
import { LeaseKeeper } from './lease-keeper.js';
import { OutcomeQueue, reportAttempts } from './outcome-queue.js';
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
/** Failed claim calls after which a closing worker gives up recording (Redis unreachable for about 5 s). */
const SHUTDOWN_CLAIM_FAILURES = 6;
/** Claims on their way at once: enough to keep Node and Redis both busy, few enough for full batches. */
const claimsInFlight = (capacity: number): number => (capacity >= 64 ? 4 : 2);
const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

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
  /** Outcomes not yet recorded; the worker keeps their leases alive until they are. */
  private readonly outcomes = new OutcomeQueue();
  private readonly wake = new Signal();
  private readonly executor: Executor;
  private readonly leases: LeaseKeeper;
  private readonly cancels: CancelListener;
  private claimedTotal = 0;
  /** Claim calls on their way to Redis and back. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Slots that claims in flight asked for. */
  private reserved = 0;
  /** The last claim came up short: block on Redis before claiming again. */
  private dry = false;
  private drained = false;
  private lastReply: ClaimReply | undefined;
  private claimFailures = 0;
  private lastUpkeep = -Infinity;
  private stopping = false;
  private started = false;
  private resolveDone!: () => void;
  private closing: Promise<void> | undefined;
  private loopEnded: Promise<void> | undefined;
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
    if (!Number.isInteger(this.leaseMs) || this.leaseMs < 100) throw new ValidationError('leaseMs must be at least 100');
    this.blocker = this.handle.openBlockingConnection();
    this.waiter = new WorkWaiter(this.blocker, this.handle.keys.marker, this.wake);
    const warn = (message: string): void => this.warn(message);
    const settings = { queue, handlers: options.handlers, concurrency: this.concurrency, leaseMs: this.leaseMs, prefetch };
    const progress = (job: ClaimedJob, value: unknown): Promise<void> => this.leases.progress(job, value);
    const busyChanged = (): void => this.registration.busyChanged();
    this.executor = new Executor({ ...settings, progress, busyChanged }, this.outcomes, this.wake, warn);
    this.leases = new LeaseKeeper(this.handle, this.leaseMs, this.executor, warn);
    this.cancels = new CancelListener(this.handle, (id) => this.executor.cancel(id), warn);
    this.registration = new WorkerRegistration(this.handle, this.concurrency, () => this.executor.attempts.size, options.registration);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get name(): string {
    return this.handle.name;
  }

  /** Jobs running now. */
  get busy(): number {
    return this.executor.attempts.size;
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
    if (!this.stopping) await this.cancels.start();
    // closed while starting: shutdown has run already
    if (this.stopping) return this.cancels.stop();
    this.looping = true;
    this.loopEnded = this.loop()
      .catch((error: unknown) => this.warn(`worker loop stopped: ${describeError(error)}`))
      .finally(() => (this.looping = false));
  }

  /**
   * Stops claiming, lets running jobs finish for up to `timeoutMs` (default 30 s), then aborts
   * the rest and hands them back as pending at once. Outcomes of jobs that finish meanwhile are
   * recorded at once, and every lease is renewed until its outcome is recorded. Resolves when
   * all is recorded.
   */
  close(timeoutMs = 30_000): Promise<void> {
    this.closing ??= this.shutdown(timeoutMs);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const schedulerStopped = this.scheduler?.stop();
    this.executor.close();
    this.wake.fire();
    // the loop goes on recording outcomes as jobs finish, and ends once nothing is left
    const loopEnded = this.loopEnded ?? Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    if (await Promise.race([loopEnded.then(() => false), graceOver])) {
      this.executor.abortAll();
      await loopEnded;
    }
    clearTimeout(timer);
    this.cancels.stop();
    await this.registration.stop();
    this.leases.stop();
    this.blocker.disconnect();
    await this.handle.close();
    await schedulerStopped;
    this.resolveDone();
  }

  /**
   * The claim loop. Claims go out without waiting for the previous one (two at once, four
   * when the worker may hold 64 jobs or more, each for a share), so Node runs one batch while
   * Redis works on the next; when the queue runs dry the loop blocks on Redis until work
   * appears. A closing worker claims nothing but records each outcome as it comes.
   */
  private async loop(): Promise<void> {
    while (!this.finished()) {
      try {
        await this.step();
      } catch (error) {
        this.warn(`worker loop: ${describeError(error)}; retrying`);
        await sleep(500);
      }
    }
    await Promise.all(this.inFlight);
    if (!this.stopping) void this.close();
  }

  private finished(): boolean {
    const idle = this.executor.held === 0 && this.inFlight.size === 0 && this.outcomes.unrecorded === 0;
    if (this.stopping) return idle;
    return this.drained || (idle && this.options.maxJobs !== undefined && this.claimedTotal >= this.options.maxJobs);
  }

  private async step(): Promise<void> {
    if (this.stopping && this.claimFailures >= SHUTDOWN_CLAIM_FAILURES && this.inFlight.size === 0) {
      const dropped = this.outcomes.dropWaiting();
      if (dropped > 0) this.warn(`could not record ${dropped} outcomes, Redis is unreachable: their jobs run again once their leases expire`);
    }
    const capacity = this.capacity();
    const maxInFlight = claimsInFlight(capacity);
    const free = this.stopping ? 0 : this.freeSlots(capacity);
    const want = this.dry ? 0 : Math.min(free, Math.ceil(capacity / maxInFlight));
    if ((want > 0 || this.outcomes.size > 0) && this.inFlight.size < maxInFlight) {
      this.sendClaim(want);
      return;
    }
    if (this.stopping || this.inFlight.size > 0 || free === 0) {
      await this.wake.wait();
      return;
    }
    // dry: nothing in flight, nothing to record, free slots and no ready job
    if (this.options.exitWhenDrained && this.executor.attempts.size === 0) {
      const drained = await this.isDrained();
      // undefined: the check failed (warned); check again rather than wait for work
      if (drained !== false) {
        this.drained = drained === true;
        return;
      }
    }
    await this.waitForWork(this.lastReply);
    this.dry = false;
  }

  private sendClaim(want: number): void {
    const batch = this.outcomes.take();
    this.reserved += want;
    const call: Promise<void> = this.claim(batch, want)
      .then(
        (reply) => {
          this.claimFailures = 0;
          this.outcomes.answered(batch);
          reportAttempts(batch, reply.settled, this.options.onAttempt, (message) => this.warn(message));
          for (const job of reply.jobs) this.executor.accept(job);
          if (want > 0) {
            this.dry = reply.jobs.length < want;
            this.lastReply = reply;
          }
        },
        async (error: unknown) => {
          this.outcomes.failed(batch);
          this.claimFailures += 1;
          this.warn(`claim failed (${describeError(error)}); retrying`);
          await sleep(Math.min(50 * 2 ** this.claimFailures, 2000));
        },
      )
      .catch((error: unknown) => this.warn(`after a claim: ${describeError(error)}`))
      .finally(() => {
        this.reserved -= want;
        this.inFlight.delete(call);
        this.wake.fire();
      });
    this.inFlight.add(call);
  }

  /** Jobs this worker may hold: its slots, and prefetched jobs while handlers are fast. */
  private capacity(): number {
    return this.concurrency + this.executor.prefetched.extraSlots;
  }

  /** Capacity not taken by running or prefetched jobs nor asked for by a claim in flight (and within maxJobs). */
  private freeSlots(capacity: number): number {
    const free = capacity - this.executor.held - this.reserved;
    if (this.options.maxJobs === undefined) return free;
    return Math.max(0, Math.min(free, this.options.maxJobs - this.claimedTotal - this.reserved));
  }

  private async claim(finished: Finished[], want: number): Promise<ClaimReply> {
    const reply = await claimJobs(this.handle, {
      leaseMs: this.leaseMs,
      want,
      // upkeep at least every UPKEEP_MS; the script also does it whenever ready jobs run short
      upkeep: performance.now() - this.lastUpkeep >= UPKEEP_MS,
      outcomes: finished.map((f) => f.outcome),
      workerId: this.registration.id,
    });
    if (reply.upkeepDone) this.lastUpkeep = reply.receivedAt;
    this.claimedTotal += reply.jobs.length;
    return reply;
  }

  /** Blocks on the queue's marker until new work, a due job, a finished job or shutdown. */
  private async waitForWork(reply: ClaimReply | undefined): Promise<void> {
    let waitMs = this.options.blockTimeoutMs ?? 30_000;
    // the next due time as a delay measured by Redis, counted down on this host's monotonic clock
    if (reply && !reply.paused && reply.nextDueInMs >= 0) waitMs = Math.min(waitMs, reply.nextDueInMs - (performance.now() - reply.receivedAt));
    await this.waiter.wait(waitMs);
  }

  /** No due pending job, none running (on any worker) and none retrying; undefined when the check failed. */
  private async isDrained(): Promise<boolean | undefined> {
    try {
      const counts = await readCounts(this.handle);
      return counts.pending === 0 && counts.running === 0 && counts.retrying === 0;
    } catch (error) {
      this.warn(`drain check failed (${describeError(error)}); retrying`);
      await sleep(500);
      return undefined;
    }
  }

  private warn(message: string): void {
    this.options.onWarning?.(message);
  }
}
