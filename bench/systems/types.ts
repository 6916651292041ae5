/** The job every system enqueues: the same small JSON object everywhere. */
export interface BenchPayload {
  to: string;
  template: string;
  data: { name: string; orderId: number; seq: number };
}

export function makePayload(seq: number): BenchPayload {
  return { to: `user${seq % 1000}@example.com`, template: 'order-confirmation', data: { name: 'Ada', orderId: 100000 + seq, seq } };
}

export function makePayloads(count: number, first = 0): BenchPayload[] {
  const out: BenchPayload[] = [];
  for (let i = 0; i < count; i += 1) out.push(makePayload(first + i));
  return out;
}

export type SystemName = 'jobs' | 'bullmq' | 'bee-queue';

/** Called by the no-op handler of every system with the job's payload. */
export type OnJob = (payload: BenchPayload) => void;

export interface Producer {
  /** One job, one call. */
  enqueue(payload: BenchPayload): Promise<void>;
  /** One batch, the system's bulk call. */
  enqueueBulk(payloads: readonly BenchPayload[]): Promise<void>;
  /** One batch of jobs due `delayMs` from now. */
  enqueueDelayedBulk(payloads: readonly BenchPayload[], delayMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface WorkerOptions {
  concurrency: number;
  onJob: OnJob;
  /** The queue holds delayed jobs: turn on what the system needs for them. */
  delayedJobs?: boolean;
}

/** A connected worker that has not fetched anything yet. */
export interface PreparedWorker {
  /** Starts fetching jobs; resolves once it is under way. */
  start(): Promise<void>;
  /** Graceful stop: running jobs finish and their outcomes are written. */
  close(): Promise<void>;
}

/** One system under test, used the way its docs recommend. */
export interface SystemAdapter {
  readonly name: SystemName;
  /** How finished jobs are kept (all three delete a job on success). */
  readonly settings: string;
  producer(url: string, queue: string): Promise<Producer>;
  worker(url: string, queue: string, options: WorkerOptions): Promise<PreparedWorker>;
}
