/** What a handler gets besides its payload. */
export interface JobContext {
  id: string;
  queue: string;
  type: string;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  createdAt: Date;
  /**
   * Aborted when the attempt times out, the job is cancelled, the worker shuts down past its
   * grace period, or the worker lost the job's lease. Pass it to fetch, child processes, etc.
   */
  signal: AbortSignal;
  /** Stores a progress report on the job (visible in `jobs show`). */
  progress(value: unknown): Promise<void>;
}

// Method syntax makes the parameter bivariant, so a handler typed for its own payload
// (`(p: { to: string }) => ...`) fits in a map of handlers.
type HandlerSignature<Payload, Result> = {
  handle(payload: Payload, ctx: JobContext): Promise<Result> | Result;
}['handle'];

/** Runs one job. Throw to fail the attempt; throw PermanentError to skip the remaining retries. */
export type JobHandler<Payload = unknown, Result = unknown> = HandlerSignature<Payload, Result>;

/** Handlers by job type. */
export type HandlerMap = Record<string, JobHandler>;

/** Why a running job's signal was aborted. */
export type AbortReason = 'timeout' | 'cancelled' | 'shutdown' | 'lease-lost';

/** The signal's `reason` when the worker aborts a job. */
export class JobAbortedError extends Error {
  readonly reason: AbortReason;
  constructor(reason: AbortReason, message: string) {
    super(message);
    this.name = 'JobAbortedError';
    this.reason = reason;
  }
}
