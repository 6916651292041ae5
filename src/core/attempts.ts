import type { Lease, RunningJob } from './job-runner.js';

/**
 * The attempts a worker runs, keyed by job id but always matched by lease (id and token): a
 * worker may be handed a job again while an older attempt of it still runs here (its lease
 * expired while the event loop was blocked), and an older attempt must never remove, renew or
 * stand for a newer one. An attempt whose outcome settled by an abort may leave its handler
 * running (a handler that ignores its signal); it lingers here until the handler returns, so
 * the worker never starts another attempt of that job beside it.
 */
export class Attempts {
  private readonly running = new Map<string, RunningJob>();
  private readonly lingering = new Map<string, RunningJob>();

  /** Attempts whose outcome has not settled. */
  get size(): number {
    return this.running.size;
  }

  values(): IterableIterator<RunningJob> {
    return this.running.values();
  }

  /** The running attempt that holds exactly this lease. */
  holding(lease: Lease): RunningJob | undefined {
    const attempt = this.running.get(lease.id);
    return attempt?.job.leaseToken === lease.leaseToken ? attempt : undefined;
  }

  /** The running attempt of a job, whatever its lease. */
  ofJob(id: string): RunningJob | undefined {
    return this.running.get(id);
  }

  /** An attempt of this job whose handler may still run here (running, or aborted and not yet returned). */
  executing(id: string): RunningJob | undefined {
    return this.running.get(id) ?? (this.lingering.size > 0 ? this.lingering.get(id) : undefined);
  }

  /** Call only when `executing(attempt.job.id)` is undefined. */
  add(attempt: RunningJob): void {
    this.running.set(attempt.job.id, attempt);
  }

  /** The attempt's outcome settled: it stops running; a handler still executing lingers until it returns. */
  settled(attempt: RunningJob): void {
    const { id } = attempt.job;
    if (this.running.get(id) === attempt) this.running.delete(id);
    if (!attempt.executing) return;
    this.lingering.set(id, attempt);
    attempt.whenHandlerDone(() => {
      if (this.lingering.get(id) === attempt) this.lingering.delete(id);
    });
  }
}
