import { closeOwned, openConnection, useConnection, type OpenedConnection } from './connection.js';
import { DEFAULT_PREFIX, DEFAULT_REDIS_URL, type QueueConnectionOptions } from './handle.js';
import { queueRegistryKey } from './keys.js';
import { validateName } from './options.js';
import { Queue, type QueueCounts } from './queue.js';
import { deleteQueue, type DeleteQueueOptions } from './queue-delete.js';

/** One queue as an overview shows it. */
export interface QueueOverview {
  name: string;
  paused: boolean;
  counts: Omit<QueueCounts, 'paused'>;
  /** Jobs finished within the last `windowMs`. */
  throughput: { succeeded: number; failed: number; windowMs: number; jobsPerSecond: number };
}

/**
 * The queues of one prefix, as recorded in the `<prefix>:queues` set when a queue is first
 * written to (enqueue, pause). Reads only that set and each queue's counters: no SCAN.
 */
export class QueueRegistry {
  readonly prefix: string;
  private readonly connection: OpenedConnection;

  constructor(options: Pick<QueueConnectionOptions, 'connection' | 'prefix'> = {}) {
    this.prefix = validateName('prefix', options.prefix ?? DEFAULT_PREFIX);
    this.connection = openConnection(options.connection ?? DEFAULT_REDIS_URL, 'client');
  }

  /** Names of the registered queues, sorted. */
  async names(): Promise<string[]> {
    const names = await useConnection(this.connection, 'client', (r) => r.smembers(queueRegistryKey(this.prefix)));
    return names.sort();
  }

  /** True when the queue has been written to under this prefix. */
  async has(name: string): Promise<boolean> {
    return (await useConnection(this.connection, 'client', (r) => r.sismember(queueRegistryKey(this.prefix), name))) === 1;
  }

  /** Counts and last-window throughput of every registered queue, sharing this connection. */
  async overview(options: { throughputWindowMs?: number } = {}): Promise<QueueOverview[]> {
    const windowMs = options.throughputWindowMs ?? 60_000;
    const names = await this.names();
    return Promise.all(
      names.map(async (name): Promise<QueueOverview> => {
        // The queue borrows this connection, so closing it is not needed.
        const queue = new Queue(name, { connection: this.connection.redis, prefix: this.prefix });
        const [{ paused, ...counts }, finished] = await Promise.all([queue.counts(), queue.throughput(windowMs)]);
        const jobsPerSecond = Math.round(((finished.succeeded + finished.failed) / (windowMs / 1000)) * 100) / 100;
        return { name, paused, counts, throughput: { ...finished, jobsPerSecond } };
      }),
    );
  }

  /**
   * Deletes a queue and every key of it, in bounded steps, and forgets its name; see
   * deleteQueue. Refused while it has work or workers unless `force`. Returns the keys deleted.
   */
  async delete(name: string, options: DeleteQueueOptions = {}): Promise<number> {
    return deleteQueue(this.connection.redis, this.prefix, name, options);
  }

  async close(): Promise<void> {
    await closeOwned(this.connection);
  }
}
