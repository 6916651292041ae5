import type { QueueHandle } from './handle.js';
import type { Job } from './job.js';
import { idempotencyKey } from './keys.js';
import { fetchJobs } from './listing.js';

/** How a job ended that retention or a dead-letter purge has since deleted. */
export type RemovedOutcome = 'success' | 'failed' | 'cancelled';

/** What an idempotency key points at. */
export interface KeyedJob {
  /** The id of the job first enqueued with the key. */
  id: string;
  /** The job, or null once it was deleted. */
  job: Job | null;
  /** For a deleted job, how it ended; null while the job exists. */
  removedAs: RemovedOutcome | null;
}

const OUTCOMES: readonly string[] = ['failed', 'cancelled'];

/**
 * The job an idempotency key (still within its window) points at, or null for an unknown or
 * expired key. The key's value is the job's id; the scripts that delete a job which did not
 * succeed append `:<outcome>` first, so a deleted job whose key holds only its id succeeded.
 */
export async function findByIdempotencyKey(handle: QueueHandle, key: string): Promise<KeyedJob | null> {
  const redisKey = idempotencyKey(handle.keys, key);
  const value = await handle.call((r) => r.get(redisKey));
  if (value === null) return null;
  const id = value.split(':')[0] ?? value;
  const [job] = await fetchJobs(handle, [id]);
  if (job) return { id, job, removedAs: null };
  // Read the key again: a job deleted after the first read had its outcome written with it.
  const after = (await handle.call((r) => r.get(redisKey))) ?? value;
  const marked = after.split(':')[0] === id ? after.slice(id.length + 1) : '';
  return { id, job: null, removedAs: OUTCOMES.includes(marked) ? (marked as RemovedOutcome) : 'success' };
}
