import type { Retention } from '../core/handle.js';
import type { HandlerMap } from '../core/handler.js';
import type { AttemptReport } from '../core/job-runner.js';
import { Worker } from '../core/worker.js';
import type { JobMetrics } from '../observability/metrics.js';
import type { WorkerLog } from './worker-log.js';

/** What every worker of a pool shares. */
export interface WorkerPoolSettings {
  redis: string;
  prefix: string;
  /** Read per job, so changing its entries changes the handler of every job started afterwards. */
  handlers: HandlerMap;
  concurrency: number;
  drain?: boolean;
  maxJobs?: number;
  prefetch?: number;
  schedules: boolean;
  retention?: Partial<Retention>;
  log: WorkerLog;
  metrics?: JobMetrics;
}

/**
 * One Worker per queue, all logged the same way: what `jobs worker` runs for its queues and
 * `jobs dev` for every queue, adding workers as queues appear.
 */
export class WorkerPool {
  private readonly byQueue = new Map<string, Worker>();
  private readonly starting = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(private readonly settings: WorkerPoolSettings) {}

  get workers(): Worker[] {
    return [...this.byQueue.values()];
  }

  get queues(): string[] {
    return [...this.byQueue.keys()];
  }

  /** Jobs running now, over all workers. */
  get busy(): number {
    return this.workers.reduce((sum, worker) => sum + worker.busy, 0);
  }

  /**
   * Starts a worker on each queue that has none yet and resolves with those queues. When one
   * fails to start, the new ones are closed again and the error is thrown.
   */
  async add(queues: readonly string[]): Promise<string[]> {
    if (this.closing) return [];
    const fresh = [...new Set(queues)].filter((name) => !this.byQueue.has(name));
    const made = fresh.map((name) => this.create(name));
    for (const worker of made) this.byQueue.set(worker.name, worker);
    const started = Promise.all(made.map((worker) => worker.start()));
    this.starting.add(started);
    try {
      await started;
    } catch (error) {
      await Promise.all(made.map((worker) => worker.close(0)));
      for (const worker of made) this.byQueue.delete(worker.name);
      throw error;
    } finally {
      this.starting.delete(started);
    }
    for (const worker of made) this.settings.log.watchConnection(worker);
    return fresh;
  }

  /** Closes every worker (see Worker.close); workers still starting are closed once started. */
  close(timeoutMs: number): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled(this.starting);
      await Promise.all(this.workers.map((worker) => worker.close(timeoutMs)));
    })();
    return this.closing;
  }

  /** Resolves once every worker added so far has stopped (drained, max jobs, or closed). */
  async done(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.done));
  }

  private create(name: string): Worker {
    const { settings } = this;
    const { log, metrics } = settings;
    const logAttempt = (report: AttemptReport): void => log.attempt(name, report);
    return new Worker(name, {
      connection: settings.redis,
      prefix: settings.prefix,
      handlers: settings.handlers,
      concurrency: settings.concurrency,
      exitWhenDrained: Boolean(settings.drain),
      schedules: settings.schedules,
      ...(settings.maxJobs === undefined ? {} : { maxJobs: settings.maxJobs }),
      ...(settings.prefetch === undefined ? {} : { prefetch: settings.prefetch }),
      ...(settings.retention === undefined ? {} : { retention: settings.retention }),
      onAttempt: metrics ? metrics.attemptObserver(name, logAttempt) : logAttempt,
      onWarning: (message) => log.warning(name, message),
    });
  }
}
