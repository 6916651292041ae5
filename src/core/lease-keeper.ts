import type { QueueHandle } from './handle.js';
import type { ClaimedJob, Lease } from './job-runner.js';

/** What the worker holds leases on, and what it does when a heartbeat brings news. */
export interface HeldLeases {
  /** Every lease the worker holds now: running and prefetched jobs, and outcomes not yet recorded. */
  leases(): Lease[];
  /** The lease is gone (another worker owns the job, or its outcome was recorded meanwhile). */
  lost(lease: Lease): void;
  /** A cancel was requested for the job (the worker usually heard of it at once already). */
  cancelRequested(lease: Lease): void;
}

/**
 * Renews every lease a worker holds by heartbeat (every third of the lease, at most 2 s
 * apart), until the job's outcome is recorded: a job that finished is still the worker's until
 * then, so no other worker may take it over in the meantime.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(
    private readonly handle: QueueHandle,
    private readonly leaseMs: number,
    private readonly held: HeldLeases,
    private readonly warn: (message: string) => void,
  ) {}

  start(): void {
    // at most 2 s apart: the fallback by which a job learns of its cancel when the worker could
    // not subscribe to cancel requests
    this.timer ??= setInterval(() => void this.beat(), Math.max(50, Math.min(2000, Math.floor(this.leaseMs / 3))));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async beat(): Promise<void> {
    if (this.inFlight) return;
    const leases = this.held.leases();
    if (leases.length === 0) return;
    this.inFlight = true;
    const args: string[] = [this.handle.keys.base, String(this.leaseMs)];
    for (const lease of leases) args.push(lease.id, lease.leaseToken);
    try {
      const statuses = (await this.handle.script('heartbeat', [this.handle.keys.active], args)) as number[];
      statuses.forEach((status, i) => {
        const lease = leases[i];
        if (!lease) return;
        if (status === 0) this.held.lost(lease);
        else if (status === 2) this.held.cancelRequested(lease);
      });
    } catch (error) {
      this.warn(`heartbeat failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.inFlight = false;
    }
  }

  /** Stores a progress report, fenced by the job's lease token. */
  async progress(job: ClaimedJob, value: unknown): Promise<void> {
    const json = JSON.stringify(value ?? null);
    await this.handle.script('progress', [], [this.handle.keys.base, job.id, job.leaseToken, json]);
  }
}
