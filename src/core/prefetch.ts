import type { ClaimedJob } from './job-runner.js';

/** Handlers whose recent mean duration is under this count as fast, in ms. */
const FAST_HANDLER_MS = 2;
/** Weight of the newest duration in the moving mean. */
const SMOOTHING = 0.1;

/**
 * Jobs a worker claimed ahead of a free slot. While handlers are fast, claiming the next batch
 * while the current one runs overlaps Redis round trips with work (at concurrency 1 this is the
 * difference between waiting on Redis after every job and not). A job waiting here holds its
 * lease, which the worker's heartbeat renews, so it is as safe as a running job; it waits at most
 * about one handler duration. Slow handlers turn it off: a slow job must not hold others back.
 */
export class PrefetchBuffer {
  private readonly waiting: ClaimedJob[] = [];
  private meanMs: number | undefined;

  /** `limit`: most jobs held ahead (0 turns prefetching off). */
  constructor(private readonly limit: number) {}

  /** How many jobs may be held beyond the worker's slots now: none unless handlers are fast. */
  get extraSlots(): number {
    return this.meanMs !== undefined && this.meanMs < FAST_HANDLER_MS ? this.limit : 0;
  }

  get size(): number {
    return this.waiting.length;
  }

  /** Feeds a finished handler's duration into the moving mean. */
  recordDuration(ms: number): void {
    this.meanMs = this.meanMs === undefined ? ms : this.meanMs + SMOOTHING * (ms - this.meanMs);
  }

  push(job: ClaimedJob): void {
    this.waiting.push(job);
  }

  /** The oldest waiting job, removed. */
  shift(): ClaimedJob | undefined {
    return this.waiting.shift();
  }

  /** Takes out the first waiting job that matches (its lease was lost, or it was cancelled). */
  remove(matches: (job: ClaimedJob) => boolean): ClaimedJob | undefined {
    const at = this.waiting.findIndex(matches);
    if (at < 0) return undefined;
    return this.waiting.splice(at, 1)[0];
  }

  /** Every waiting job, removed (shutdown hands them back). */
  takeAll(): ClaimedJob[] {
    return this.waiting.splice(0, this.waiting.length);
  }

  jobs(): readonly ClaimedJob[] {
    return this.waiting;
  }
}
