import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AttemptReport } from '../core/job-runner.js';
import { Queue, type QueueCounts } from '../core/queue.js';
import type { Worker } from '../core/worker.js';
import { oldestPendingAgeMs } from './queue-insights.js';

export interface JobMetricsOptions {
  /** Registry to register the metrics in. Default: a new Registry of its own. */
  registry?: Registry;
  /** Also collect prom-client's default Node process metrics. Default true. */
  processMetrics?: boolean;
  /** Longest wait for Redis while a scrape reads the queue gauges, in ms. Default 2000. */
  scrapeTimeoutMs?: number;
}

/** The job states `jobs_in_state` reports; finished states are trimmed by retention, so left out. */
export const GAUGED_STATES = ['pending', 'scheduled', 'running', 'retrying', 'failed'] as const;

/** Attempt outcomes counted by `jobs_processed_total`; a job handed back at shutdown is not an outcome. */
const COUNTED_STATUSES: ReadonlySet<AttemptReport['status']> = new Set(['success', 'retrying', 'failed', 'cancelled']);

interface QueueReading {
  counts: QueueCounts;
  oldestPendingAgeMs: number;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const WAIT_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Prometheus metrics of workers: attempt counters and histograms recorded as attempts end,
 * and queue gauges read from Redis (counts, not scans) when Prometheus scrapes.
 */
export class JobMetrics {
  readonly registry: Registry;
  private readonly processed: Counter<'queue' | 'type' | 'status'>;
  private readonly duration: Histogram<'queue' | 'type'>;
  private readonly wait: Histogram<'queue' | 'type'>;
  private readonly workers = new Set<Worker>();
  private readonly queues = new Map<string, Queue>();
  private readonly scrapeTimeoutMs: number;
  private reading: { at: number; result: Promise<Map<string, QueueReading | Error>> } | undefined;

  constructor(options: JobMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    this.scrapeTimeoutMs = options.scrapeTimeoutMs ?? 2000;
    const registers = [this.registry];
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.processed = new Counter({
      name: 'jobs_processed_total',
      help: 'Attempts that ended, by outcome: success, retrying (a retry is due), failed (dead-lettered), cancelled',
      labelNames: ['queue', 'type', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'job_duration_seconds',
      help: 'Run time of an attempt, from start to outcome',
      labelNames: ['queue', 'type'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.wait = new Histogram({
      name: 'job_wait_seconds',
      help: 'Time from when a job was due (enqueued, delay or retry time) until an attempt started',
      labelNames: ['queue', 'type'],
      buckets: WAIT_BUCKETS,
      registers,
    });
    const metrics = this;
    new Gauge({
      name: 'jobs_in_state',
      help: 'Jobs per state, read from Redis at scrape time (failed = the dead-letter queue)',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const [queue, reading] of await metrics.readQueues()) {
          if (reading instanceof Error) continue;
          for (const state of GAUGED_STATES) this.set({ queue, state }, reading.counts[state]);
        }
      },
    });
    new Gauge({
      name: 'dlq_size',
      help: 'Jobs in the dead-letter queue, read from Redis at scrape time',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const [queue, reading] of await metrics.readQueues()) {
          if (!(reading instanceof Error)) this.set({ queue }, reading.counts.failed);
        }
      },
    });
    new Gauge({
      name: 'queue_oldest_pending_age_seconds',
      help: 'How long the oldest job that could run now has waited (0 when none): alert on it for a stuck or under-provisioned queue',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const [queue, reading] of await metrics.readQueues()) {
          if (!(reading instanceof Error)) this.set({ queue }, reading.oldestPendingAgeMs / 1000);
        }
      },
    });
    new Gauge({
      name: 'jobs_redis_up',
      help: '1 when the last scrape could read the queue from Redis, 0 when not',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const [queue, reading] of await metrics.readQueues()) this.set({ queue }, reading instanceof Error ? 0 : 1);
      },
    });
    new Gauge({
      name: 'worker_busy_slots',
      help: 'Jobs running now in this process, per queue',
      labelNames: ['queue'],
      registers,
      collect() {
        this.reset();
        for (const worker of metrics.workers) this.inc({ queue: worker.name }, worker.busy);
      },
    });
    new Gauge({
      name: 'worker_concurrency',
      help: 'Slots (concurrency) of the workers in this process, per queue',
      labelNames: ['queue'],
      registers,
      collect() {
        this.reset();
        for (const worker of metrics.workers) this.inc({ queue: worker.name }, worker.concurrency);
      },
    });
  }

  /** Records one attempt of a job of `queue`. */
  recordAttempt(queue: string, report: AttemptReport): void {
    if (!COUNTED_STATUSES.has(report.status)) return;
    const labels = { queue, type: report.type };
    this.processed.inc({ ...labels, status: report.status });
    this.duration.observe(labels, report.durationMs / 1000);
    if (Number.isFinite(report.waitMs)) this.wait.observe(labels, report.waitMs / 1000);
  }

  /**
   * An `onAttempt` for a Worker of `queue` that records its attempts, then calls `next` (your
   * own onAttempt, if any): `new Worker('emails', { handlers, onAttempt: metrics.attemptObserver('emails') })`.
   */
  attemptObserver(queue: string, next?: (report: AttemptReport) => void): (report: AttemptReport) => void {
    return (report) => {
      this.recordAttempt(queue, report);
      next?.(report);
    };
  }

  /** Reports the busy slots of these workers and the gauges of their queues. */
  watch(workers: readonly Worker[]): void {
    for (const worker of workers) {
      this.workers.add(worker);
      // The queue borrows the worker's connection (its password, TLS and cluster settings).
      if (!this.queues.has(worker.name)) {
        this.queues.set(worker.name, new Queue(worker.name, { connection: worker.handle.redis, prefix: worker.handle.prefix }));
      }
    }
  }

  /** The metrics in Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** One Redis reading per queue, shared by the gauges of one scrape. */
  private readQueues(): Promise<Map<string, QueueReading | Error>> {
    const now = Date.now();
    if (this.reading && now - this.reading.at < 500) return this.reading.result;
    const result = (async () => {
      const entries = await Promise.all(
        [...this.queues].map(async ([name, queue]): Promise<[string, QueueReading | Error]> => {
          try {
            const [counts, ageMs] = await withTimeout(Promise.all([queue.counts(), oldestPendingAgeMs(queue)]), this.scrapeTimeoutMs);
            return [name, { counts, oldestPendingAgeMs: ageMs }];
          } catch (error) {
            return [name, error instanceof Error ? error : new Error(String(error))];
          }
        }),
      );
      return new Map(entries);
    })();
    this.reading = { at: now, result };
    return result;
  }
}
