import { Attempts } from './attempts.js';
import { HandBacks } from './hand-backs.js';
import type { HandlerMap } from './handler.js';
import { RunningJob, type ClaimedJob, type Lease } from './job-runner.js';
import type { HeldLeases } from './lease-keeper.js';
import type { OutcomeQueue } from './outcome-queue.js';
import { PrefetchBuffer } from './prefetch.js';
import type { Signal } from './signal.js';

export interface ExecutorSettings {
  queue: string;
  handlers: HandlerMap;
  concurrency: number;
  leaseMs: number;
  /** Jobs held ahead of a free slot while handlers are fast (0: none). */
  prefetch: number;
  progress: (job: ClaimedJob, value: unknown) => Promise<void>;
  /** Called when a job starts or finishes (the worker registry shows the busy count). */
  busyChanged: () => void;
}

/**
 * Runs the jobs a worker claimed, at most `concurrency` at once, never two attempts of one job
 * at once: each claimed job starts, waits in the prefetch buffer for a slot, or is handed back.
 * Every finished attempt becomes an outcome in the queue the claim loop records. It is also
 * what the heartbeat renews (HeldLeases) and what cancel requests reach.
 */
export class Executor implements HeldLeases {
  readonly attempts = new Attempts();
  readonly prefetched: PrefetchBuffer;
  private readonly handBacks: HandBacks;
  private closing = false;

  constructor(
    private readonly settings: ExecutorSettings,
    private readonly outcomes: OutcomeQueue,
    private readonly wake: Signal,
    private readonly warn: (message: string) => void,
  ) {
    this.prefetched = new PrefetchBuffer(settings.prefetch);
    this.handBacks = new HandBacks(outcomes, wake, settings.leaseMs, warn);
  }

  /** Jobs running or waiting for a slot. */
  get held(): number {
    return this.attempts.size + this.prefetched.size;
  }

  /** A job a claim brought: run it, keep it for the next free slot, or hand it back when closing. */
  accept(job: ClaimedJob): void {
    if (this.closing) this.handBacks.shutdown(job);
    else if (this.attempts.size < this.settings.concurrency) this.run(job);
    else this.prefetched.push(job);
  }

  /** From now on nothing starts: jobs waiting for a slot, and any a claim still brings, are handed back. */
  close(): void {
    this.closing = true;
    for (const job of this.prefetched.takeAll()) this.handBacks.shutdown(job);
  }

  /** The grace period is over: running jobs are aborted and handed back. */
  abortAll(): void {
    for (const attempt of this.attempts.values()) attempt.abort('shutdown', 'worker shutting down');
  }

  private run(job: ClaimedJob): void {
    const { handlers } = this.settings;
    const handler = Object.hasOwn(handlers, job.type) ? handlers[job.type] : undefined;
    if (!handler) return this.handBacks.noHandler(job);
    const older = this.attempts.executing(job.id);
    if (older) return this.handBacks.alreadyRunning(job, older, this.attempts.holding(older.job) !== undefined);
    const attempt = new RunningJob(job, handler, this.settings.queue, this.settings.progress);
    this.attempts.add(attempt);
    this.settings.busyChanged();
    void attempt.outcome.then((outcome) => {
      this.attempts.settled(attempt);
      this.settings.busyChanged();
      const durationMs = performance.now() - attempt.startedAt;
      this.prefetched.recordDuration(durationMs);
      // A job whose lease was lost belongs to someone else now; its outcome would be refused.
      if (attempt.abortReason !== 'lease-lost') this.outcomes.push({ outcome, running: attempt, durationMs });
      while (!this.closing && this.attempts.size < this.settings.concurrency) {
        const next = this.prefetched.shift();
        if (!next) break;
        this.run(next);
      }
      this.wake.fire();
    });
  }

  /** Every lease the worker holds: prefetched and running jobs, and outcomes not yet recorded. */
  leases(): Lease[] {
    const leases: Lease[] = [...this.prefetched.jobs()];
    for (const attempt of this.attempts.values()) leases.push(attempt.job);
    for (const lease of this.outcomes.leases()) leases.push(lease);
    return leases;
  }

  /** A heartbeat found a lease gone: stop the attempt holding it, or drop the job waiting for a slot. */
  lost(lease: Lease): void {
    const attempt = this.attempts.holding(lease);
    if (attempt) {
      this.warn(`job ${lease.id}: lease lost (it ran longer than the lease without a heartbeat); stopping it`);
      attempt.abort('lease-lost', 'the lease on this job was lost');
    } else if (this.prefetched.remove((job) => job.id === lease.id && job.leaseToken === lease.leaseToken)) {
      this.warn(`job ${lease.id}: lease lost while it waited for a free slot; dropped`);
    }
    // otherwise its outcome was recorded meanwhile: nothing to do
  }

  /** A heartbeat saw a cancel request on a lease. */
  cancelRequested(lease: Lease): void {
    this.cancel(lease.id, lease);
  }

  /** A cancel was requested for a job: abort its attempt, or end it if it waits for a slot. */
  cancel(id: string, lease?: Lease): void {
    const attempt = lease ? this.attempts.holding(lease) : this.attempts.ofJob(id);
    if (attempt) {
      attempt.abort('cancelled', 'the job was cancelled');
      return;
    }
    const waiting = this.prefetched.remove((job) => job.id === id && (!lease || job.leaseToken === lease.leaseToken));
    if (waiting) this.handBacks.cancelUnstarted(waiting);
  }
}
