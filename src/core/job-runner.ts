import { isPermanentError } from './errors.js';
import { JobAbortedError, type AbortReason, type HandlerMap, type JobContext } from './handler.js';
import { retryDelay, type Backoff } from './job.js';

/** A job as the claim script hands it to a worker. */
export interface ClaimedJob {
  id: string;
  leaseToken: string;
  type: string;
  payloadJson: string;
  attempt: number;
  maxAttempts: number;
  timeoutMs: number;
  backoff: Backoff;
  createdAt: Date;
  /** When the job was due (enqueue time, its delay or its retry time), for the wait metric. */
  dueAt: Date;
}

/** What a finished attempt reports back to Redis (see claim.lua). */
export type Outcome =
  | { kind: 'ok'; id: string; leaseToken: string; resultJson: string }
  | { kind: 'fail'; id: string; leaseToken: string; error: string; stack: string; retryDelayMs: number }
  | { kind: 'back'; id: string; leaseToken: string };

/** What the worker reports about each attempt (for logs and metrics). */
export interface AttemptReport {
  id: string;
  type: string;
  attempt: number;
  /** success, retrying (a retry is due), failed (dead-lettered), cancelled, or returned (handed back at shutdown). */
  status: 'success' | 'retrying' | 'failed' | 'cancelled' | 'returned';
  durationMs: number;
  /** From when the job was due until this attempt started, in ms. */
  waitMs: number;
  error?: string;
}

const MAX_STACK = 8192;

/** One running job: its abort controller and the promise of its outcome. */
export class RunningJob {
  readonly startedAt = performance.now();
  readonly outcome: Promise<Outcome>;
  private timer: NodeJS.Timeout | undefined;
  // The AbortController is made only when a handler reads ctx.signal: most never do, and
  // creating one per job is a measurable share of a fast worker's CPU.
  private controller: AbortController | undefined;
  private abortError: JobAbortedError | undefined;
  private rejectRun: ((error: JobAbortedError) => void) | undefined;

  constructor(
    readonly job: ClaimedJob,
    handlers: HandlerMap,
    queue: string,
    reportProgress: (job: ClaimedJob, value: unknown) => Promise<void>,
  ) {
    if (job.timeoutMs > 0) {
      this.timer = setTimeout(() => this.abort('timeout', `timed out after ${job.timeoutMs} ms`), job.timeoutMs);
    }
    // the getter below needs this instance
    const self = this;
    const ctx: JobContext = {
      id: job.id,
      queue,
      type: job.type,
      attempt: job.attempt,
      maxAttempts: job.maxAttempts,
      createdAt: job.createdAt,
      get signal(): AbortSignal {
        return self.signal;
      },
      progress: (value) => reportProgress(job, value),
    };
    this.outcome = this.execute(handlers, ctx).finally(() => clearTimeout(this.timer));
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortError) this.controller.abort(this.abortError);
    }
    return this.controller.signal;
  }

  abort(reason: AbortReason, message: string): void {
    if (this.abortError) return;
    this.abortError = new JobAbortedError(reason, message);
    this.controller?.abort(this.abortError);
    this.rejectRun?.(this.abortError);
  }

  get abortReason(): AbortReason | undefined {
    return this.abortError?.reason;
  }

  private async execute(handlers: HandlerMap, ctx: JobContext): Promise<Outcome> {
    const { id, leaseToken } = this.job;
    let payload: unknown;
    try {
      payload = JSON.parse(this.job.payloadJson);
    } catch {
      return { kind: 'fail', id, leaseToken, error: 'payload is not valid JSON', stack: '', retryDelayMs: -1 };
    }
    try {
      const handler = handlers[this.job.type];
      if (!handler) throw new Error(`no handler for job type "${this.job.type}" on this worker`);
      const result = await this.untilAborted(Promise.resolve().then(() => handler(payload, ctx)));
      return { kind: 'ok', id, leaseToken, resultJson: encodeResult(result) };
    } catch (error) {
      if (this.abortReason === 'shutdown') return { kind: 'back', id, leaseToken };
      const message = error instanceof Error ? error.message : String(error);
      const stack = error instanceof Error ? (error.stack ?? '').slice(0, MAX_STACK) : '';
      const permanent = isPermanentError(error);
      const delay = permanent ? -1 : nextRetryDelay(error, this.job);
      return { kind: 'fail', id, leaseToken, error: message || 'error without a message', stack, retryDelayMs: delay };
    }
  }

  /** Ends the attempt when the job is aborted, even if the handler ignores its signal. */
  private untilAborted<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.abortError) return reject(this.abortError);
      this.rejectRun = reject;
      work.then(resolve, reject).finally(() => (this.rejectRun = undefined));
    });
  }
}

/**
 * The backoff delay, raised to an error's `retryAfterMs` (a peer's Retry-After) but never
 * past the backoff cap.
 */
function nextRetryDelay(error: unknown, job: ClaimedJob): number {
  const delay = retryDelay(job.attempt, job.backoff);
  const asked = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  if (typeof asked !== 'number' || !Number.isFinite(asked) || asked <= delay) return delay;
  return Math.min(job.backoff.capMs, Math.round(asked));
}

function encodeResult(result: unknown): string {
  if (result === undefined) return '';
  try {
    return JSON.stringify(result) ?? '';
  } catch {
    return JSON.stringify(String(result));
  }
}

/** A finished attempt waiting to be recorded. */
export interface Finished {
  outcome: Outcome;
  running: RunningJob;
  durationMs: number;
}

/** The report of a recorded attempt, for onAttempt. */
export function describeAttempt({ outcome, running, durationMs }: Finished): AttemptReport {
  const { job } = running;
  // The attempt started durationMs ago; the wait is from when the job was due until then.
  const waitMs = Math.max(0, Date.now() - durationMs - job.dueAt.getTime());
  const base = { id: job.id, type: job.type, attempt: job.attempt, durationMs, waitMs };
  if (outcome.kind === 'ok') return { ...base, status: 'success' };
  if (outcome.kind === 'back') return { ...base, status: 'returned' };
  const status =
    running.abortReason === 'cancelled'
      ? 'cancelled'
      : outcome.retryDelayMs >= 0 && job.attempt < job.maxAttempts
        ? 'retrying'
        : 'failed';
  return { ...base, status, error: outcome.error };
}
