import type { QueueConnectionOptions } from './handle.js';
import type { HandlerMap } from './handler.js';
import type { AttemptReport } from './job-runner.js';
import type { WorkerRegistrationOptions } from './worker-registry.js';

export interface WorkerOptions extends QueueConnectionOptions {
  /** Handlers by job type. */
  handlers: HandlerMap;
  /** Jobs run at once. Default 1. */
  concurrency?: number;
  /** How long a claimed job stays owned without a heartbeat, in ms. Default 30,000. */
  leaseMs?: number;
  /**
   * Longest wait on Redis for new work, in ms. Default 30,000. Waits are shorter when a delayed
   * job, a retry or a lease deadline is due sooner, and any new job or retry wakes the worker.
   */
  blockTimeoutMs?: number;
  /**
   * Jobs claimed ahead of a free slot while handlers are fast (their recent mean under 2 ms), so
   * Redis round trips overlap work. Such a job holds its lease (it shows as running) and waits for
   * a slot, at most a few fast handler durations. Default: the concurrency, at least 8; 0 turns
   * it off (for queues whose handlers may turn slow while others could take the waiting jobs).
   */
  prefetch?: number;
  /** Stop after claiming this many jobs. Default: no limit. */
  maxJobs?: number;
  /** Stop once the queue has no due pending, running or retrying job. Default false. */
  exitWhenDrained?: boolean;
  /** Called after each attempt is recorded in Redis. */
  onAttempt?: (report: AttemptReport) => void;
  /** Called for trouble the worker survives (Redis down, a lost lease). */
  onWarning?: (message: string) => void;
  /** Take part in firing the queue's cron schedules (see Schedules). Default true. */
  schedules?: boolean;
  /** How the worker lists itself for `jobs workers` (heartbeat and timeout); see WorkerRegistrationOptions. */
  registration?: WorkerRegistrationOptions;
}
