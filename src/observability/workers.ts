import { openConnection } from '../core/connection.js';
import { DEFAULT_REDIS_URL, type QueueConnectionOptions } from '../core/handle.js';
import { Queue } from '../core/queue.js';
import { QueueRegistry } from '../core/queues.js';
import { listLiveWorkers, type LiveWorker } from '../core/worker-registry.js';

/** The live workers of one queue (those whose heartbeat is within their timeout), oldest first. */
export function liveWorkers(queue: Queue): Promise<LiveWorker[]> {
  return listLiveWorkers(queue.handle);
}

/**
 * The live workers of every queue of a prefix (queues as `jobs queues` lists them; a worker
 * registers its queue when it starts), by queue then age. Opens one connection unless given one.
 */
export async function liveWorkersOfPrefix(options: Pick<QueueConnectionOptions, 'connection' | 'prefix'> = {}): Promise<LiveWorker[]> {
  const opened = openConnection(options.connection ?? DEFAULT_REDIS_URL, 'client');
  const shared = { connection: opened.redis, ...(options.prefix === undefined ? {} : { prefix: options.prefix }) };
  try {
    const names = await new QueueRegistry(shared).names();
    const perQueue = await Promise.all(names.map((name) => liveWorkers(new Queue(name, shared))));
    return perQueue.flat();
  } finally {
    if (opened.owned) opened.redis.disconnect();
  }
}
