import type { Settled } from './claim.js';
import { describeAttempt, type AttemptReport, type Finished, type Lease } from './job-runner.js';

/**
 * Outcomes a worker has not yet seen recorded: those waiting for the next claim call and those
 * on their way in one. Their leases are still the worker's to keep alive (see LeaseKeeper)
 * until the claim script has recorded them.
 */
export class OutcomeQueue {
  private waiting: Finished[] = [];
  private readonly sending = new Set<Finished[]>();

  /** Outcomes waiting for a claim call. */
  get size(): number {
    return this.waiting.length;
  }

  /** Outcomes waiting or on their way. */
  get unrecorded(): number {
    let n = this.waiting.length;
    for (const batch of this.sending) n += batch.length;
    return n;
  }

  push(finished: Finished): void {
    this.waiting.push(finished);
  }

  /** Every waiting outcome, as a batch now on its way. */
  take(): Finished[] {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length > 0) this.sending.add(batch);
    return batch;
  }

  /** The claim call answered: the batch is recorded (or refused, lease lost). */
  answered(batch: Finished[]): void {
    this.sending.delete(batch);
  }

  /** The claim call failed: the batch waits again, first in line. */
  failed(batch: Finished[]): void {
    this.sending.delete(batch);
    if (batch.length > 0) this.waiting = batch.concat(this.waiting);
  }

  /** Gives up on what waits (Redis unreachable at shutdown); returns how many were dropped. */
  dropWaiting(): number {
    const dropped = this.waiting.length;
    this.waiting = [];
    return dropped;
  }

  /** The leases of every unrecorded outcome. */
  *leases(): Iterable<Lease> {
    for (const finished of this.waiting) yield finished.outcome;
    for (const batch of this.sending) for (const finished of batch) yield finished.outcome;
  }
}

/** Tells what became of recorded outcomes: a warning for each refused one, onAttempt for each attempt. */
export function reportAttempts(
  batch: readonly Finished[],
  settled: readonly Settled[],
  onAttempt: ((report: AttemptReport) => void) | undefined,
  warn: (message: string) => void,
): void {
  batch.forEach((f, i) => {
    const result = settled[i] ?? 'lost';
    if (result === 'lost') {
      warn(`job ${f.outcome.id}: lease lost before its outcome was recorded; another worker owns it`);
      return;
    }
    // a job handed back or cancelled before it started had no attempt to report
    if (!f.running || !onAttempt) return;
    try {
      onAttempt(describeAttempt(f.running, f.outcome, f.durationMs, result));
    } catch (error) {
      warn(`onAttempt threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}
