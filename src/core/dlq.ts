import { InvalidStateError, JobNotFoundError } from './errors.js';
import type { QueueHandle } from './handle.js';
import { jobKey } from './keys.js';
import type { Job } from './job.js';
import { fetchJobs, listJobs, type ListOptions } from './listing.js';
import { redisTime } from './redis-time.js';

/** Bulk operations work in chunks of this many jobs, so no script holds Redis for long. */
const CHUNK = 500;

/** The dead-letter queue of one queue: its failed jobs, by failure time. */
export class DeadLetterQueue {
  constructor(private readonly handle: QueueHandle) {}

  async size(): Promise<number> {
    return this.handle.call((r) => r.zcard(this.handle.keys.dlq));
  }

  /** Failed jobs, oldest failure first. */
  async list(options: ListOptions = {}): Promise<Job[]> {
    return listJobs(this.handle, 'failed', options);
  }

  /** A failed job; JobNotFoundError when unknown, InvalidStateError when not failed. */
  async get(id: string): Promise<Job> {
    const [job] = await fetchJobs(this.handle, [id]);
    if (!job) throw new JobNotFoundError(id, this.handle.name);
    if (job.status !== 'failed') throw new InvalidStateError(id, job.status, 'show as dead-lettered');
    return job;
  }

  /**
   * Moves failed jobs back to pending with their attempts reset. Checks every id first:
   * an unknown id or a job that is not failed throws, and then nothing is retried.
   */
  async retry(ids: readonly string[]): Promise<number> {
    const jobs = await fetchJobs(this.handle, ids);
    for (const id of ids) {
      const job = jobs.find((j) => j.id === id);
      if (!job) throw new JobNotFoundError(id, this.handle.name);
      if (job.status !== 'failed') throw new InvalidStateError(id, job.status, 'retry');
    }
    let retried = 0;
    for (let start = 0; start < ids.length; start += CHUNK) {
      retried += await this.retryChunk(ids.slice(start, start + CHUNK));
    }
    return retried;
  }

  /** Retries every failed job (of one type, when given), in chunks; returns how many. */
  async retryAll(filter: { type?: string } = {}): Promise<number> {
    const k = this.handle.keys;
    let retried = 0;
    let offset = 0;
    for (;;) {
      const ids = await this.handle.call((r) => r.zrange(k.dlq, offset, offset + CHUNK - 1));
      if (ids.length === 0) return retried;
      let chosen = ids;
      if (filter.type !== undefined) {
        const types = await this.handle.call((r) => {
          const pipeline = r.pipeline();
          for (const id of ids) pipeline.hget(jobKey(k, id), 't');
          return pipeline.exec();
        });
        chosen = ids.filter((_, i) => types?.[i]?.[1] === filter.type);
      }
      const done = chosen.length > 0 ? await this.retryChunk(chosen) : 0;
      retried += done;
      // retried jobs left the zset; the others stay, so step over them
      offset += ids.length - done;
    }
  }

  private async retryChunk(ids: readonly string[]): Promise<number> {
    const k = this.handle.keys;
    const reply = (await this.handle.script('dlq_retry', [k.dlq, k.ready, k.prio, k.marker], [k.base, ...ids])) as [
      number[],
      string[],
    ];
    return reply[0].filter((status) => status === 1).length;
  }

  /** Deletes failed jobs that failed more than `olderThanMs` ago (all when omitted); returns how many. */
  async purge(options: { olderThanMs?: number } = {}): Promise<number> {
    const k = this.handle.keys;
    // ages are judged by Redis's clock, which stamped the failure times
    const cutoff = options.olderThanMs === undefined ? '+inf' : String((await redisTime(this.handle)) - options.olderThanMs);
    let purged = 0;
    for (;;) {
      const deleted = Number(await this.handle.script('purge', [k.dlq], [k.base, cutoff, CHUNK]));
      purged += deleted;
      if (deleted < CHUNK) return purged;
    }
  }
}
