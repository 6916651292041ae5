import type { RedisConnection } from '../core/connection.js';
import type { Job } from '../core/job.js';
import { Queue, type QueueCounts } from '../core/queue.js';
import { QueueRegistry } from '../core/queues.js';
import { listLiveWorkers, type LiveWorker } from '../core/worker-registry.js';
import { enqueuedTotal, finishedPerWindow, oldestPendingAgeMs, recentRunTimes, type RunTimeSummary } from '../observability/queue-insights.js';

/** Width of one sparkline bar, and how many bars: five minutes of history. */
export const BUCKET_MS = 5000;
export const HISTORY_BUCKETS = 60;
/** p50/p95 are re-read this often (they read up to 100 job hashes). */
const RUN_TIMES_EVERY_MS = 5000;
/** Rates are averaged over about this long. */
const RATE_WINDOW_MS = 5000;

export interface QueueView {
  name: string;
  paused: boolean;
  counts: Omit<QueueCounts, 'paused'>;
  /** Jobs enqueued / finished per second, over the last few seconds (null until two samples). */
  inRate: number | null;
  outRate: number | null;
  /** Jobs per second per bucket, oldest first, HISTORY_BUCKETS long. */
  inHistory: number[];
  outHistory: number[];
  runTimes: RunTimeSummary;
  oldestPendingAgeMs: number;
}

export interface TopSnapshot {
  time: Date;
  queues: QueueView[];
  workers: LiveWorker[];
  /** Running jobs of `runningQueue`, longest running first, at most `runningLimit`. */
  running: Job[];
  runningQueue: string | undefined;
}

/** What one queue's history keeps between samples. */
interface QueueTrack {
  queue: Queue;
  samples: { at: number; enqueued: number; finished: number }[];
  finishedTotal: number;
  lastFinishedAt: number;
  inBuckets: Map<number, number>;
  outBuckets: Map<number, number>;
  runTimes: RunTimeSummary;
  runTimesAt: number;
}

function rate(samples: QueueTrack['samples'], pick: (s: QueueTrack['samples'][number]) => number): number | null {
  const newest = samples[samples.length - 1];
  const oldest = samples[0];
  if (!newest || !oldest || newest === oldest || newest.at === oldest.at) return null;
  return Math.max(0, (pick(newest) - pick(oldest)) / ((newest.at - oldest.at) / 1000));
}

/** Per-bucket rates (jobs/s) ending with the current, partly elapsed bucket. */
function history(buckets: Map<number, number>, now: number): number[] {
  const current = Math.floor(now / BUCKET_MS);
  const elapsedInCurrent = Math.max(1, now - current * BUCKET_MS);
  const out: number[] = [];
  for (let b = current - HISTORY_BUCKETS + 1; b <= current; b += 1) {
    const count = buckets.get(b) ?? 0;
    out.push(count / ((b === current ? elapsedInCurrent : BUCKET_MS) / 1000));
  }
  for (const b of buckets.keys()) if (b <= current - HISTORY_BUCKETS) buckets.delete(b);
  return out;
}

/**
 * Samples what `jobs top` shows, once a refresh, over one shared connection: counts, enqueue
 * rate (from the job-id counter), finish rate (from the finished zsets by finish time),
 * recent run times, live workers and running jobs.
 */
export class TopSampler {
  private readonly registry: QueueRegistry;
  private readonly tracks = new Map<string, QueueTrack>();

  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly runningLimit = 10,
  ) {
    this.registry = new QueueRegistry({ connection: redis, prefix });
  }

  async sample(selected: string | undefined): Promise<TopSnapshot> {
    const names = await this.registry.names();
    const [seconds, micros] = await this.redis.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const queues = await Promise.all(names.map((name) => this.sampleQueue(name, now)));
    const workers = (await Promise.all(names.map((name) => listLiveWorkers(this.track(name, now).queue.handle)))).flat();
    const runningQueue = selected !== undefined && names.includes(selected) ? selected : names[0];
    let running: Job[] = [];
    if (runningQueue !== undefined) {
      running = await this.track(runningQueue, now).queue.list('running', { limit: this.runningLimit });
      running.sort((a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0));
    }
    for (const name of this.tracks.keys()) if (!names.includes(name)) this.tracks.delete(name);
    return { time: new Date(now), queues, workers, running, runningQueue };
  }

  private track(name: string, now: number): QueueTrack {
    let track = this.tracks.get(name);
    if (!track) {
      track = {
        queue: new Queue(name, { connection: this.redis, prefix: this.prefix }),
        samples: [],
        finishedTotal: 0,
        lastFinishedAt: now,
        inBuckets: new Map(),
        outBuckets: new Map(),
        runTimes: { count: 0, p50Ms: null, p95Ms: null },
        runTimesAt: 0,
      };
      this.tracks.set(name, track);
    }
    return track;
  }

  private async sampleQueue(name: string, now: number): Promise<QueueView> {
    const isNew = !this.tracks.has(name);
    const track = this.track(name, now);
    const { queue } = track;
    const bucket = Math.floor(now / BUCKET_MS);
    if (isNew) {
      // Finish times are stored, so the "out" sparkline starts with its past (within retention).
      const starts = Array.from({ length: HISTORY_BUCKETS }, (_, i) => (bucket - HISTORY_BUCKETS + 1 + i) * BUCKET_MS);
      const counts = await finishedPerWindow(queue, starts, BUCKET_MS);
      starts.forEach((start, i) => track.outBuckets.set(start / BUCKET_MS, counts[i] ?? 0));
    } else if (now > track.lastFinishedAt) {
      const [finished = 0] = await finishedPerWindow(queue, [track.lastFinishedAt], now - track.lastFinishedAt);
      track.finishedTotal += finished;
      track.outBuckets.set(bucket, (track.outBuckets.get(bucket) ?? 0) + finished);
    }
    track.lastFinishedAt = now;
    const [{ paused, ...counts }, enqueued, ageMs] = await Promise.all([queue.counts(), enqueuedTotal(queue), oldestPendingAgeMs(queue)]);
    const previous = track.samples[track.samples.length - 1];
    if (previous) track.inBuckets.set(bucket, (track.inBuckets.get(bucket) ?? 0) + Math.max(0, enqueued - previous.enqueued));
    track.samples.push({ at: now, enqueued, finished: track.finishedTotal });
    while (track.samples.length > 2 && now - (track.samples[1]?.at ?? now) >= RATE_WINDOW_MS) track.samples.shift();
    if (now - track.runTimesAt >= RUN_TIMES_EVERY_MS) {
      track.runTimes = await recentRunTimes(queue);
      track.runTimesAt = now;
    }
    return {
      name,
      paused,
      counts,
      inRate: rate(track.samples, (s) => s.enqueued),
      outRate: rate(track.samples, (s) => s.finished),
      inHistory: history(track.inBuckets, now),
      outHistory: history(track.outBuckets, now),
      runTimes: track.runTimes,
      oldestPendingAgeMs: ageMs,
    };
  }
}
