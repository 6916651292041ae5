import { jobKey } from '../core/keys.js';
import { redisTime } from '../core/redis-time.js';
import type { Queue } from '../core/queue.js';

/**
 * How long the oldest job that could run now has been waiting, in ms (0 when none): the
 * heads of the ready list and the priority zset, and delayed or retrying jobs whose due time
 * has passed but that no worker promoted yet. Four reads and a clock, then one HMGET; no scan.
 */
export async function oldestPendingAgeMs(queue: Queue): Promise<number> {
  const k = queue.handle.keys;
  const now = await redisTime(queue.handle);
  const replies = await queue.handle.call((r) =>
    r
      .multi()
      .lindex(k.ready, 0)
      .zrange(k.prio, 0, 0)
      .zrangebyscore(k.delayed, '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1)
      .zrangebyscore(k.retry, '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1)
      .exec(),
  );
  const [readyHead, prioHead, overdueDelayed, overdueRetry] = (replies ?? []).map(([, value]) => value);
  let oldestDue = Infinity;
  for (const overdue of [overdueDelayed, overdueRetry]) {
    const score = Array.isArray(overdue) ? Number(overdue[1]) : NaN;
    if (Number.isFinite(score)) oldestDue = Math.min(oldestDue, score);
  }
  const heads = [readyHead, ...(Array.isArray(prioHead) ? prioHead : [])].filter((id): id is string => typeof id === 'string');
  if (heads.length > 0) {
    const fields = await queue.handle.call((r) => {
      const pipeline = r.pipeline();
      for (const id of heads) pipeline.hmget(jobKey(k, id), 's', 'd');
      return pipeline.exec();
    });
    for (const [, value] of fields ?? []) {
      const [state, due] = (value ?? []) as (string | null)[];
      // A job cancelled while in the ready list stays there until claimed; it is not waiting.
      if (state === 'pending' && due) oldestDue = Math.min(oldestDue, Number(due));
    }
  }
  return Number.isFinite(oldestDue) ? Math.max(0, now - oldestDue) : 0;
}

export interface RunTimeSummary {
  /** Jobs sampled. */
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** The value at quantile q (0..1) of sorted numbers, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? null;
}

/**
 * p50 and p95 run time of the last attempt of the most recently succeeded jobs (their start
 * and finish times), from the succeeded-jobs zset: works whether events are on or not, within
 * the retention of succeeded jobs.
 */
export async function recentRunTimes(queue: Queue, sample = 100): Promise<RunTimeSummary> {
  const k = queue.handle.keys;
  const ids = await queue.handle.call((r) => r.zrevrange(k.done, 0, sample - 1));
  if (ids.length === 0) return { count: 0, p50Ms: null, p95Ms: null };
  const replies = await queue.handle.call((r) => {
    const pipeline = r.pipeline();
    for (const id of ids) pipeline.hmget(jobKey(k, id), 'sa', 'f');
    return pipeline.exec();
  });
  const durations: number[] = [];
  for (const [, value] of replies ?? []) {
    const [startedAt, finishedAt] = (value ?? []) as (string | null)[];
    if (startedAt && finishedAt) durations.push(Math.max(0, Number(finishedAt) - Number(startedAt)));
  }
  durations.sort((a, b) => a - b);
  return { count: durations.length, p50Ms: quantile(durations, 0.5), p95Ms: quantile(durations, 0.95) };
}

/** Jobs ever enqueued on the queue (its job-id counter), for an enqueue rate. */
export async function enqueuedTotal(queue: Queue): Promise<number> {
  return Number((await queue.handle.call((r) => r.get(queue.handle.keys.seq))) ?? 0);
}

/**
 * Jobs that finished (succeeded, failed or cancelled) in each window [start, start + widthMs)
 * of `starts`, counted from the finished zsets by finish time: one round trip. Windows older
 * than the retention of finished jobs count fewer than really finished.
 */
export async function finishedPerWindow(queue: Queue, starts: readonly number[], widthMs: number): Promise<number[]> {
  if (starts.length === 0) return [];
  const k = queue.handle.keys;
  const replies = await queue.handle.call((r) => {
    const pipeline = r.pipeline();
    for (const start of starts) {
      for (const key of [k.done, k.dlq, k.cancelled]) pipeline.zcount(key, start, `(${start + widthMs}`);
    }
    return pipeline.exec();
  });
  const counts = (replies ?? []).map(([, value]) => Number(value ?? 0));
  return starts.map((_, i) => (counts[i * 3] ?? 0) + (counts[i * 3 + 1] ?? 0) + (counts[i * 3 + 2] ?? 0));
}
