import type { QueueHandle } from './handle.js';
import type { ClaimedJob, RunningJob } from './job-runner.js';
import type { PrefetchBuffer } from './prefetch.js';

/**
 * Renews the leases of a worker's running and prefetched jobs by heartbeat (every third of the
 * lease), and aborts a running job whose lease was lost or whose cancellation was requested (a
 * prefetched job whose lease was lost is dropped; one being cancelled starts soon and is
 * aborted by the next beat).
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(
    private readonly handle: QueueHandle,
    private readonly leaseMs: number,
    private readonly running: ReadonlyMap<string, RunningJob>,
    private readonly prefetched: PrefetchBuffer,
    private readonly warn: (message: string) => void,
  ) {}

  start(): void {
    // At most 2 s apart, so a cancel request reaches a running job quickly.
    this.timer ??= setInterval(() => void this.beat(), Math.max(50, Math.min(2000, Math.floor(this.leaseMs / 3))));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async beat(): Promise<void> {
    if (this.inFlight || this.running.size + this.prefetched.size === 0) return;
    this.inFlight = true;
    const jobs: ClaimedJob[] = [...this.prefetched.jobs()];
    for (const { job } of this.running.values()) jobs.push(job);
    const args: string[] = [this.handle.keys.base, String(this.leaseMs)];
    for (const job of jobs) args.push(job.id, job.leaseToken);
    try {
      const statuses = (await this.handle.script('heartbeat', [this.handle.keys.active], args)) as number[];
      statuses.forEach((status, i) => {
        const job = jobs[i];
        if (!job || status === 1) return;
        const running = this.running.get(job.id);
        if (status === 0) {
          if (running?.job === job) {
            this.warn(`job ${job.id}: lease lost (it ran longer than the lease without a heartbeat); stopping it`);
            running.abort('lease-lost', 'the lease on this job was lost');
          } else if (this.prefetched.remove(job.id)) {
            this.warn(`job ${job.id}: lease lost while it waited for a free slot; dropped`);
          }
        } else if (status === 2 && running?.job === job) {
          running.abort('cancelled', 'the job was cancelled');
        }
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
