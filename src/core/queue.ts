import type { RedisConnection } from './connection.js';
import { Coalescer } from './coalescer.js';
import { readCounts, type QueueCounts } from './counts.js';
import { DeadLetterQueue } from './dlq.js';
import { QueueEvents } from './events.js';
import { redisTime } from './redis-time.js';
import { Schedules } from './schedules.js';
import { sleep } from './signal.js';
import { InvalidStateError, JobNotFoundError, QueueFullError, TimeoutError, ValidationError } from './errors.js';
import { QueueHandle, type QueueConnectionOptions } from './handle.js';
import type { Job } from './job.js';
import { findByIdempotencyKey, type KeyedJob } from './idempotency.js';
import { deleteJobs, retryJobs } from './job-actions.js';
import { fetchJobs, listJobs, type ListOptions, type ListState } from './listing.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, encodeJob, type EncodedJob, type EnqueueOptions, type JobSpec } from './options.js';

export type { QueueCounts };

export interface QueueOptions extends QueueConnectionOptions {
  /** Refuse enqueues that would take the pending jobs (ready and scheduled) past this. Default: no limit. */
  maxPending?: number;
  /** How long an idempotency key is remembered, in ms. Default 24 h. */
  idempotencyWindowMs?: number;
  /** Largest payload accepted, as JSON bytes. Default 1 MiB. */
  maxPayloadBytes?: number;
}

export interface EnqueueResult {
  id: string;
  /** True when the idempotency key was seen before: nothing was written and `id` is the first job's. */
  duplicate: boolean;
}

const ENQUEUE_BATCH = 1000;

/** A named queue: enqueue, inspect, cancel, pause. */
export class Queue {
  readonly name: string;
  readonly handle: QueueHandle;
  private readonly maxPending: number;
  private readonly idempotencyWindowMs: number;
  private readonly maxPayloadBytes: number;
  private dlq: DeadLetterQueue | undefined;
  private eventStream: QueueEvents | undefined;
  private scheduleStore: Schedules | undefined;

  constructor(name: string, options: QueueOptions = {}) {
    this.handle = new QueueHandle(name, options, 'client');
    this.name = this.handle.name;
    this.maxPending = options.maxPending ?? 0;
    this.idempotencyWindowMs = options.idempotencyWindowMs ?? 24 * 3600 * 1000;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (!Number.isInteger(this.maxPending) || this.maxPending < 0) {
      throw new ValidationError('maxPending must be a positive whole number');
    }
  }

  get redis(): RedisConnection {
    return this.handle.redis;
  }

  /** The dead-letter queue of this queue (its failed jobs). */
  get deadLetters(): DeadLetterQueue {
    this.dlq ??= new DeadLetterQueue(this.handle);
    return this.dlq;
  }

  /** The queue's event stream (off until enabled). */
  get events(): QueueEvents {
    this.eventStream ??= new QueueEvents(this.handle);
    return this.eventStream;
  }

  /** The queue's cron schedules. */
  get schedules(): Schedules {
    this.scheduleStore ??= new Schedules(this);
    return this.scheduleStore;
  }

  /**
   * Adds one job. Enqueues made in the same turn of the event loop share one script call;
   * each is still validated on its own and reported on its own.
   */
  async enqueue<Payload>(type: string, payload?: Payload, options?: EnqueueOptions): Promise<EnqueueResult> {
    const spec: JobSpec = { type };
    if (payload !== undefined) spec.payload = payload;
    if (options !== undefined) spec.options = options;
    const encoded = encodeJob(spec, this.maxPayloadBytes);
    // With a pending limit, one caller's job must not be refused because of its neighbours'.
    if (this.maxPending > 0) {
      const [result] = await this.writeJobs([encoded]);
      if (!result) throw new Error('enqueue returned no job');
      return result;
    }
    return this.coalescer.add(encoded);
  }

  /**
   * Adds many jobs, one script call per batch of 1000. Every job is checked before anything
   * is written; each batch is atomic.
   */
  async enqueueMany(specs: readonly JobSpec[]): Promise<EnqueueResult[]> {
    return this.writeJobs(specs.map((spec) => encodeJob(spec, this.maxPayloadBytes)));
  }

  private readonly coalescer = new Coalescer<EncodedJob, EnqueueResult>((jobs) => this.writeJobs(jobs));

  private async writeJobs(encoded: readonly EncodedJob[]): Promise<EnqueueResult[]> {
    await this.handle.register();
    const k = this.handle.keys;
    const results: EnqueueResult[] = [];
    for (let start = 0; start < encoded.length; start += ENQUEUE_BATCH) {
      const batch = encoded.slice(start, start + ENQUEUE_BATCH);
      const args: (string | number)[] = [k.base, this.maxPending, this.idempotencyWindowMs, batch.length];
      for (const job of batch) args.push(...job);
      const reply = (await this.handle.script('enqueue', [k.seq, k.ready, k.prio, k.delayed, k.marker, k.meta], args)) as (
        | string
        | number
      )[];
      if (reply[0] === 'QUEUE_FULL') throw new QueueFullError(this.name, this.maxPending);
      for (let i = 1; i < reply.length; i += 2) {
        results.push({ id: String(reply[i]), duplicate: reply[i + 1] === 1 });
      }
    }
    return results;
  }

  /** The job, or null when no job has this id (or it was removed by retention). */
  async getJob(id: string): Promise<Job | null> {
    const [job] = await fetchJobs(this.handle, [id]);
    return job ?? null;
  }

  /** Like getJob, but throws JobNotFoundError. */
  async requireJob(id: string): Promise<Job> {
    const job = await this.getJob(id);
    if (!job) throw new JobNotFoundError(id, this.name);
    return job;
  }

  /**
   * The job an idempotency key points at (within the idempotency window), or null: its id, the
   * job while it exists, and for a job since deleted by retention or a dead-letter purge how it
   * ended (`removedAs`).
   */
  async findByIdempotencyKey(key: string): Promise<KeyedJob | null> {
    return findByIdempotencyKey(this.handle, key);
  }

  /** Jobs in a state, oldest first, paged (see ListOptions). */
  async list(state: ListState, options: ListOptions = {}): Promise<Job[]> {
    return listJobs(this.handle, state, options);
  }

  /** Jobs by id, in one round trip; unknown ids are left out. */
  async getJobs(ids: readonly string[]): Promise<Job[]> {
    return fetchJobs(this.handle, ids);
  }

  async counts(): Promise<QueueCounts> {
    return readCounts(this.handle);
  }

  /** Jobs that succeeded / failed within the last `windowMs` (default one minute). */
  async throughput(windowMs = 60_000): Promise<{ succeeded: number; failed: number; windowMs: number }> {
    const k = this.handle.keys;
    // finish times are Redis's clock, so the window is too
    const since = (await redisTime(this.handle)) - windowMs;
    const [succeeded, failed] = await this.handle.call((r) =>
      Promise.all([r.zcount(k.done, since, '+inf'), r.zcount(k.dlq, since, '+inf')]),
    );
    return { succeeded, failed, windowMs };
  }

  /**
   * Cancels a pending or retrying job at once ('cancelled'); a running job is asked to stop
   * through its AbortSignal ('requested') and ends cancelled, even if its handler finishes first
   * or its worker hands it back. Other states are refused.
   */
  async cancel(id: string): Promise<'cancelled' | 'requested'> {
    const k = this.handle.keys;
    const { finishedCount, finishedAgeMs } = this.handle.retention;
    const reply = (await this.handle.script('cancel', [k.prio, k.delayed, k.retry, k.cancelled, k.meta], [
      k.base,
      id,
      finishedCount,
      finishedAgeMs,
      k.cancels,
    ])) as string[];
    if (reply[0] === 'NOT_FOUND') throw new JobNotFoundError(id, this.name);
    if (reply[0] === 'INVALID_STATE') throw new InvalidStateError(id, reply[1] ?? 'unknown', 'cancel');
    return reply[0] === 'requested' ? 'requested' : 'cancelled';
  }

  /**
   * Moves finished jobs (success, failed, cancelled) back to pending with attempts reset. All
   * ids are checked first: an unknown id or an unfinished job throws and nothing is retried.
   */
  async retry(ids: readonly string[]): Promise<number> {
    return retryJobs(this.handle, ids);
  }

  /**
   * Deletes jobs for good. A running job is refused unless `force` (its worker's outcome is
   * then discarded). All ids are checked first; returns how many were deleted.
   */
  async remove(ids: readonly string[], options: { force?: boolean } = {}): Promise<number> {
    return deleteJobs(this.handle, ids, options);
  }

  /** Workers stop claiming jobs of a paused queue; running jobs finish. */
  async pause(): Promise<void> {
    await this.handle.register();
    await this.handle.call((r) => r.hset(this.handle.keys.meta, 'paused', '1'));
  }

  async resume(): Promise<void> {
    const k = this.handle.keys;
    await this.handle.call((r) => r.multi().hdel(k.meta, 'paused').zadd(k.marker, 0, 'w').exec());
  }

  /** Resolves with the job once it is success, failed or cancelled; TimeoutError after `timeoutMs`. */
  async waitFor(id: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<Job> {
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    let pause = options.pollMs ?? 50;
    for (;;) {
      const job = await this.requireJob(id);
      if (job.status === 'success' || job.status === 'failed' || job.status === 'cancelled') return job;
      if (Date.now() >= deadline) throw new TimeoutError(`job ${id} is still ${job.status} after ${options.timeoutMs} ms`);
      await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
      pause = Math.min(pause * 2, 1000);
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

