import { QueueRegistry } from '../../core/queues.js';
import type { WorkerPool } from '../worker-pool.js';

/** How often the registry of queues is read for new ones. */
export const QUEUE_CHECK_MS = 1000;

/** What the watcher reports. */
export interface QueueWatchEvents {
  added(queues: string[]): void;
  warning(message: string): void;
}

/**
 * Gives every queue of the prefix a worker: the registered ones and `always` at start, and any
 * queue registered later (its first enqueue) within QUEUE_CHECK_MS.
 */
export class QueueWatcher {
  private readonly registry: QueueRegistry;
  private readonly always: readonly string[];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private checking: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: WorkerPool,
    options: { redis: string; prefix: string; always: readonly string[] },
    private readonly events: QueueWatchEvents,
  ) {
    this.registry = new QueueRegistry({ connection: options.redis, prefix: options.prefix });
    this.always = options.always;
  }

  /** Starts workers on the queues there are now (errors reach the caller), then keeps watching. */
  async start(): Promise<string[]> {
    const added = await this.pool.add([...this.always, ...(await this.registry.names())]);
    this.schedule();
    return added;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.checking = this.check().finally(() => this.schedule());
    }, QUEUE_CHECK_MS);
  }

  private async check(): Promise<void> {
    try {
      const added = await this.pool.add(await this.registry.names());
      if (added.length > 0) this.events.added(added);
    } catch (error) {
      this.events.warning(`could not check for new queues: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.checking;
    await this.registry.close();
  }
}
