import type { WorkerLog } from '../worker-log.js';
import { WorkerPool } from '../worker-pool.js';
import type { DevService } from './dev-stack.js';
import type { HandlerReloader } from './handler-reloader.js';
import { QueueWatcher, type QueueWatchEvents } from './queue-watcher.js';

/** The queue that always gets a worker, even before anything was enqueued. */
export const ALWAYS_WORKED = ['default'];

export interface DevWorkersOptions {
  redis: string;
  prefix: string;
  concurrency: number;
  /** Loaded already, so a bad handlers module is refused before anything starts. */
  handlers: HandlerReloader;
  log: WorkerLog;
  events: QueueWatchEvents;
}

/**
 * The worker of `jobs dev`, the same pool `jobs worker` runs: one worker per queue of the prefix,
 * more as queues appear, handlers reloaded when their module changes.
 */
export class DevWorkers implements DevService {
  readonly name = 'worker';
  private constructor(
    readonly pool: WorkerPool,
    private readonly watcher: QueueWatcher,
    private readonly handlers: HandlerReloader,
  ) {}

  static async start(options: DevWorkersOptions): Promise<DevWorkers> {
    const pool = new WorkerPool({
      redis: options.redis,
      prefix: options.prefix,
      handlers: options.handlers.handlers,
      concurrency: options.concurrency,
      schedules: true,
      log: options.log,
    });
    const watcher = new QueueWatcher(pool, { redis: options.redis, prefix: options.prefix, always: ALWAYS_WORKED }, options.events);
    try {
      const queues = await watcher.start();
      options.log.started({ queues, concurrency: options.concurrency, handlers: Object.keys(options.handlers.handlers).sort() });
    } catch (error) {
      await watcher.stop();
      await pool.close(0);
      throw error;
    }
    options.handlers.watch();
    return new DevWorkers(pool, watcher, options.handlers);
  }

  /** Stops looking for queues and reloading, then closes the workers as `jobs worker` does on SIGTERM. */
  async stop(timeoutMs: number): Promise<void> {
    await this.watcher.stop();
    await this.handlers.close();
    await this.pool.close(timeoutMs);
  }
}
