import type { ClaimedJob, RunningJob } from './job-runner.js';
import type { OutcomeQueue } from './outcome-queue.js';
import type { Signal } from './signal.js';

/** How long a job waits when this worker has no handler for its type, in ms (see README, Worker). */
export const NO_HANDLER_DELAY_MS = 5000;
/** Longest wait before a job claimed while an older attempt of it still runs here may be claimed again, in ms. */
const ALREADY_RUNNING_DELAY_MS = 1000;
/** One warning per job type without a handler (or per job claimed while it still runs) per this many ms. */
const WARNING_EVERY_MS = 60_000;

/**
 * Jobs a worker claimed but does not run: handed back (attempt not counted) or, when a cancel
 * was requested before they started, ended. Each becomes an outcome the next claim call records.
 */
export class HandBacks {
  private readonly warnedAt = new Map<string, number>();

  constructor(
    private readonly outcomes: OutcomeQueue,
    private readonly wake: Signal,
    private readonly leaseMs: number,
    private readonly warn: (message: string) => void,
  ) {}

  /** The worker is closing: back at the head of its priority at once. */
  shutdown(job: ClaimedJob): void {
    this.push(job, 0, '');
  }

  /**
   * No handler for the type here (e.g. an older worker during a rolling deploy): back for a few
   * seconds, so a worker that has the handler can take it; no attempt is burnt meanwhile.
   */
  noHandler(job: ClaimedJob): void {
    const note = `no handler for job type "${job.type}" on the worker that claimed it; handed back to run again in ${NO_HANDLER_DELAY_MS / 1000} s`;
    this.push(job, NO_HANDLER_DELAY_MS, note);
    if (!this.firstWarningInAWhile(`type:${job.type}`)) return;
    this.warn(`no handler for job type "${job.type}": job ${job.id} handed back, attempt not counted; such jobs wait ${NO_HANDLER_DELAY_MS / 1000} s each time for a worker that has the handler (warned once a minute per type)`);
  }

  /**
   * A claim handed this worker a job an older attempt of which still runs here: that attempt's
   * lease expired while the event loop was blocked longer than the lease, and a claim recovered
   * the job. Starting the new attempt would run the job twice at once in one process. The older
   * attempt has lost its lease, so it is stopped as lease-lost (its outcome would be refused).
   * The new lease is handed back rather than held until the older handler returns: a handler
   * that ignores its signal may run on for any time, and a lease held meanwhile would pin the job
   * to this worker. After a short delay any worker may claim it, this one too once the older
   * handler has returned. The hand-back does not count an attempt.
   * When the waiting lease is the older one (it sat in the prefetch buffer while its job was
   * recovered and claimed again), it is no longer held at all: it is simply dropped.
   */
  alreadyRunning(job: ClaimedJob, older: RunningJob, olderRuns: boolean): void {
    if (Number(job.leaseToken) < Number(older.job.leaseToken)) {
      this.warn(`job ${job.id}: lease lost while it waited for a free slot (a newer attempt runs); dropped`);
      return;
    }
    const delayMs = Math.min(this.leaseMs, ALREADY_RUNNING_DELAY_MS);
    const why = olderRuns
      ? 'its lease expired while the event loop was blocked; that attempt is stopped'
      : `it was stopped (${older.abortReason ?? 'aborted'}) but its handler has not returned`;
    if (olderRuns) older.abort('lease-lost', 'the lease on this job expired and the job was claimed again');
    if (this.firstWarningInAWhile(`job:${job.id}`)) {
      this.warn(`job ${job.id}: claimed again while an earlier attempt still runs here (${why}); handed back for ${delayMs} ms, attempt not counted`);
    }
    this.push(job, delayMs, '');
  }

  /** A job cancelled while it waited for a free slot: the outcome script ends it cancelled. */
  cancelUnstarted(job: ClaimedJob): void {
    const { id, leaseToken } = job;
    this.outcomes.push({ outcome: { kind: 'fail', id, leaseToken, error: 'the job was cancelled before it started', stack: '', retryDelayMs: -1 }, durationMs: 0 });
    this.wake.fire();
  }

  private firstWarningInAWhile(key: string): boolean {
    const now = performance.now();
    const last = this.warnedAt.get(key);
    if (last !== undefined && now - last < WARNING_EVERY_MS) return false;
    if (this.warnedAt.size >= 1000) {
      for (const [seen, at] of this.warnedAt) if (now - at >= WARNING_EVERY_MS) this.warnedAt.delete(seen);
    }
    this.warnedAt.set(key, now);
    return true;
  }

  private push(job: ClaimedJob, delayMs: number, note: string): void {
    const { id, leaseToken } = job;
    this.outcomes.push({ outcome: delayMs > 0 ? { kind: 'back', id, leaseToken, delayMs, note } : { kind: 'back', id, leaseToken }, durationMs: 0 });
    this.wake.fire();
  }
}
