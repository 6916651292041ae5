import type { QueueHandle } from './handle.js';
import { decodeJob, type Job, type JobState } from './job.js';
import { jobKey, payloadKey } from './keys.js';

/** A state as a view lists it: the job states plus "scheduled" (pending, due later). */
export type ListState = JobState | 'scheduled';

/** One ordered container of job ids (a list or a zset), oldest first. */
interface Segment {
  length: () => Promise<number>;
  range: (start: number, stop: number) => Promise<string[]>;
}

function zsetSegment(handle: QueueHandle, key: string): Segment {
  return {
    length: () => handle.call((r) => r.zcard(key)),
    range: (start, stop) => handle.call((r) => r.zrange(key, start, stop)),
  };
}

function segmentsOf(handle: QueueHandle, state: ListState): Segment[] {
  const k = handle.keys;
  switch (state) {
    case 'pending':
      return [
        zsetSegment(handle, k.prio),
        {
          length: () => handle.call((r) => r.llen(k.ready)),
          range: (start, stop) => handle.call((r) => r.lrange(k.ready, start, stop)),
        },
        zsetSegment(handle, k.delayed),
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

/** Ids at positions [offset, offset+limit) across a state's containers, oldest first. */
async function pageIds(segments: Segment[], offset: number, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let skip = offset;
  for (const segment of segments) {
    if (ids.length >= limit) break;
    const length = await segment.length();
    if (skip >= length) {
      skip -= length;
      continue;
    }
    ids.push(...(await segment.range(skip, skip + (limit - ids.length) - 1)));
    skip = 0;
  }
  return ids;
}

/** Reads jobs by id in one round trip; ids whose hash is gone are left out. */
export async function fetchJobs(handle: QueueHandle, ids: readonly string[]): Promise<Job[]> {
  if (ids.length === 0) return [];
  const replies = await handle.call((r) => {
    const pipeline = r.pipeline();
    for (const id of ids) pipeline.hgetall(jobKey(handle.keys, id)).get(payloadKey(handle.keys, id));
    return pipeline.exec();
  });
  const jobs: Job[] = [];
  ids.forEach((id, i) => {
    const [hashError, hash] = replies?.[2 * i] ?? [];
    const [, payload] = replies?.[2 * i + 1] ?? [];
    const fields = hash as Record<string, string> | undefined;
    if (hashError || !fields || Object.keys(fields).length === 0) return;
    jobs.push(decodeJob(handle.name, id, fields, typeof payload === 'string' ? payload : undefined));
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

const SCAN_CHUNK = 500;

/**
 * Jobs in a state, oldest first, paged. With a type filter the containers are read in
 * chunks and filtered, so paging counts matching jobs only.
 */
export async function listJobs(handle: QueueHandle, state: ListState, options: ListOptions = {}): Promise<Job[]> {
  const offset = options.offset ?? 0;
  const limit = options.limit ?? 50;
  const segments = segmentsOf(handle, state);
  // A pending job cancelled in the ready list stays there until claimed; hide it.
  const wanted = (job: Job): boolean =>
    (state === 'scheduled' ? job.status === 'pending' : job.status === state) &&
    (options.type === undefined || job.type === options.type);
  if (options.type === undefined) {
    // a job cancelled in the ready list and then retried has two entries there; the claim
    // takes the first, so the list shows it there
    return (await fetchJobs(handle, [...new Set(await pageIds(segments, offset, limit))])).filter(wanted);
  }
  const out: Job[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  for (let position = 0; out.length < limit; position += SCAN_CHUNK) {
    const ids = await pageIds(segments, position, SCAN_CHUNK);
    if (ids.length === 0) break;
    for (const job of await fetchJobs(handle, ids)) {
      if (!wanted(job) || seen.has(job.id)) continue;
      seen.add(job.id);
      if (skipped < offset) {
        skipped += 1;
      } else if (out.length < limit) {
        out.push(job);
      }
    }
    if (ids.length < SCAN_CHUNK) break;
  }
  return out;
}
