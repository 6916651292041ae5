import type { QueueHandle } from './handle.js';
import { decodeJob, type Job, type JobState } from './job.js';
import { historyKey, jobKey, payloadKey } from './keys.js';

/** A state as a view lists it: the job states plus "scheduled" (pending, due later). */
export type ListState = JobState | 'scheduled';

/**
 * One ordered container of job ids (a list or a zset), oldest first. `strays` counts entries
 * that are not jobs of the state (a job cancelled while in the ready list stays there until a
 * claim pops it); while it is 0, positions can be skipped without reading them.
 */
interface Segment {
  length: () => Promise<number>;
  range: (start: number, stop: number) => Promise<string[]>;
  strays: () => Promise<number>;
}

const none = (): Promise<number> => Promise.resolve(0);

function zsetSegment(handle: QueueHandle, key: string): Segment {
  return {
    length: () => handle.call((r) => r.zcard(key)),
    range: (start, stop) => handle.call((r) => r.zrange(key, start, stop)),
    strays: none,
  };
}

/** The containers of a state, in listing order. Pending and scheduled split as counts() does. */
function segmentsOf(handle: QueueHandle, state: ListState): Segment[] {
  const k = handle.keys;
  switch (state) {
    case 'pending':
      return [
        zsetSegment(handle, k.prio),
        {
          length: () => handle.call((r) => r.llen(k.ready)),
          range: (start, stop) => handle.call((r) => r.lrange(k.ready, start, stop)),
          strays: async () => Number((await handle.call((r) => r.hget(k.meta, 'stale'))) ?? 0),
        },
      ];
    case 'scheduled':
      return [zsetSegment(handle, k.delayed)];
    case 'running': {
      // members of the active zset are `id:leaseToken`
      const leases = zsetSegment(handle, k.active);
      return [{ ...leases, range: async (start, stop) => (await leases.range(start, stop)).map((m) => m.split(':')[0] ?? m) }];
    }
    case 'retrying':
      return [zsetSegment(handle, k.retry)];
    case 'success':
      return [zsetSegment(handle, k.done)];
    case 'failed':
      return [zsetSegment(handle, k.dlq)];
    case 'cancelled':
      return [zsetSegment(handle, k.cancelled)];
  }
}

/** Reads jobs by id (with their attempt history) in one round trip; ids whose hash is gone are left out. */
export async function fetchJobs(handle: QueueHandle, ids: readonly string[]): Promise<Job[]> {
  if (ids.length === 0) return [];
  const replies = await handle.call((r) => {
    const pipeline = r.pipeline();
    for (const id of ids) {
      pipeline.hgetall(jobKey(handle.keys, id)).get(payloadKey(handle.keys, id)).lrange(historyKey(handle.keys, id), 0, -1);
    }
    return pipeline.exec();
  });
  const jobs: Job[] = [];
  ids.forEach((id, i) => {
    const [hashError, hash] = replies?.[3 * i] ?? [];
    const [, payload] = replies?.[3 * i + 1] ?? [];
    const [, history] = replies?.[3 * i + 2] ?? [];
    const fields = hash as Record<string, string> | undefined;
    if (hashError || !fields || Object.keys(fields).length === 0) return;
    const entries = Array.isArray(history) ? (history as string[]) : [];
    jobs.push(decodeJob(handle.name, id, fields, typeof payload === 'string' ? payload : undefined, entries));
  });
  return jobs;
}

export interface ListOptions {
  /** Only jobs of this type. */
  type?: string;
  /** Skip this many matching jobs. Default 0. */
  offset?: number;
  /** At most this many jobs. Default 50. */
  limit?: number;
}

/** Most ids read per round trip while scanning past non-matching entries. */
const SCAN_CHUNK = 500;
/** Fewest ids read per round trip while scanning, so sparse matches take few round trips. */
const MIN_SCAN_CHUNK = 50;

/** The ids among `ids` whose job is in `status` (and of `type`, when given), in order. */
async function matching(handle: QueueHandle, ids: readonly string[], status: string, type: string | undefined): Promise<string[]> {
  if (ids.length === 0) return [];
  const replies = await handle.call((r) => {
    const pipeline = r.pipeline();
    for (const id of ids) pipeline.hmget(jobKey(handle.keys, id), 's', 't');
    return pipeline.exec();
  });
  return ids.filter((_, i) => {
    const [state, jobType] = (replies?.[i]?.[1] ?? []) as (string | null)[];
    return state === status && (type === undefined || jobType === type);
  });
}

/**
 * Jobs in a state, oldest first, paged over the jobs that are really in it: entries left
 * behind by a cancel and, with a type filter, jobs of other types do not count towards the
 * offset or the page. Positions that hold only matching jobs are skipped unread; anything
 * else is read in chunks of at most 500 ids, stopping once the page is full, so the cost
 * follows what is read (offset, page and the strays between), not the queue's length.
 */
export async function listJobs(handle: QueueHandle, state: ListState, options: ListOptions = {}): Promise<Job[]> {
  const limit = options.limit ?? 50;
  const status = state === 'scheduled' ? 'pending' : state;
  const ids: string[] = [];
  // a job cancelled in the ready list and then retried has two entries there; the claim takes
  // the first, so the list shows it there, once
  const seen = new Set<string>();
  let skip = options.offset ?? 0;
  for (const segment of segmentsOf(handle, state)) {
    if (ids.length >= limit) break;
    let position = 0;
    let dense = options.type === undefined && (await segment.strays()) === 0;
    if (dense) {
      const length = await segment.length();
      if (skip >= length) {
        skip -= length;
        continue;
      }
      position = skip;
      skip = 0;
    }
    for (;;) {
      const wanted = limit - ids.length + skip;
      const chunk = Math.min(SCAN_CHUNK, dense ? wanted : Math.max(MIN_SCAN_CHUNK, wanted));
      const read = await segment.range(position, position + chunk - 1);
      position += read.length;
      const found = await matching(handle, read, status, options.type);
      // an entry that moved on meanwhile: read on in chunks
      if (found.length < read.length) dense = false;
      for (const id of found) {
        if (seen.has(id)) continue;
        seen.add(id);
        if (skip > 0) skip -= 1;
        else if (ids.length < limit) ids.push(id);
      }
      if (ids.length >= limit || read.length < chunk) break;
    }
  }
  return (await fetchJobs(handle, ids)).filter((job) => job.status === status);
}
