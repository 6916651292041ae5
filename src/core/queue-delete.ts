import { Cluster } from 'ioredis';
import type { RedisConnection } from './connection.js';
import { QueueBusyError, QueueNotFoundError } from './errors.js';
import { QueueHandle } from './handle.js';
import { queueKeys, queueRegistryKey } from './keys.js';
import { readCounts } from './counts.js';
import { listLiveWorkers } from './worker-registry.js';

/** Keys asked for per SCAN step, and so at most deleted per UNLINK. */
const SCAN_COUNT = 500;

export interface DeleteQueueOptions {
  /** Delete even while jobs are pending, scheduled, running or retrying, or workers are attached. */
  force?: boolean;
}

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** `*`, `?`, `[`, `]` and `\` matched literally in a SCAN pattern. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

/** Why a queue may not be deleted without force, or undefined when it may. */
export async function busyReason(handle: QueueHandle): Promise<string | undefined> {
  const counts = await readCounts(handle);
  const waiting = counts.pending + counts.scheduled + counts.retrying;
  const reasons: string[] = [];
  if (counts.running > 0) reasons.push(`${plural(counts.running, 'job')} running`);
  if (waiting > 0) reasons.push(`${plural(waiting, 'job')} pending, scheduled or retrying`);
  const workers = await listLiveWorkers(handle);
  if (workers.length > 0) reasons.push(`${plural(workers.length, 'live worker')}`);
  return reasons.length === 0 ? undefined : `has ${reasons.join(', ')}`;
}

/** UNLINKs every key matching `pattern` on one node, a SCAN step at a time. */
async function unlinkMatching(node: RedisConnection, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
    cursor = next;
    if (keys.length > 0) deleted += await node.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/**
 * Deletes a queue: every key under its hash tag (jobs, payloads, schedules, events, worker
 * entries, the id counter) in bounded steps, then its name in the prefix's queue registry, so
 * listings forget it. Refused with QueueBusyError while jobs are pending, scheduled, running or
 * retrying, or workers are attached, unless `force`; QueueNotFoundError for an unknown queue.
 * Returns how many keys were deleted. Stop the queue's workers first: a worker left running
 * writes its keys again.
 */
export async function deleteQueue(redis: RedisConnection, prefix: string, name: string, options: DeleteQueueOptions = {}): Promise<number> {
  const handle = new QueueHandle(name, { connection: redis, prefix }, 'client');
  const registry = queueRegistryKey(handle.prefix);
  if ((await handle.call((r) => r.sismember(registry, handle.name))) !== 1) throw new QueueNotFoundError(handle.name, handle.prefix);
  if (!options.force) {
    const reason = await busyReason(handle);
    if (reason !== undefined) throw new QueueBusyError(handle.name, `${reason}; pass force (--force) to delete it anyway`);
  }
  const pattern = `${escapeGlob(queueKeys(handle.prefix, handle.name).base)}*`;
  // In a cluster every key of the queue lives on the master of its slot; scanning each master
  // finds them without knowing which one that is.
  const nodes: RedisConnection[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const deleted = await handle.call(async () => (await Promise.all(nodes.map((node) => unlinkMatching(node, pattern)))).reduce((a, b) => a + b, 0));
  // last, so a delete cut short is finished by running it again
  await handle.call((r) => r.srem(registry, handle.name));
  return deleted;
}
