import type { Settled } from './claim.js';
import { isPermanentError } from './errors.js';
import { JobAbortedError, type AbortReason, type JobContext, type JobHandler } from './handler.js';
import { retryDelay, type Backoff } from './job.js';

/** One lease on a job: the job id and the token of the attempt that holds it. */
export interface Lease {
  readonly id: string;
  readonly leaseToken: string;
}

/** A job as the claim script hands it to a worker. */
export interface ClaimedJob extends Lease {
  type: string;
  payloadJson: string;
  attempt: number;
  maxAttempts: number;
  timeoutMs: number;
  backoff: Readonly<Backoff>;
  /** Epoch ms. */
  createdAtMs: number;
  /** From when the job was due (enqueue time, its delay or its retry time) until it was claimed, on the Redis clock. */
  waitedMs: number;
  /** performance.now() when the claim reply arrived. */
  claimedAt: number;
}

/** What a finished attempt reports back to Redis (see claim.lua). */
export type Outcome =
  | { kind: 'ok'; id: string; leaseToken: string; resultJson: string }
  | { kind: 'fail'; id: string; leaseToken: string; error: string; stack: string; retryDelayMs: number }
  /** Back to pending, attempt not counted: at once (shutdown), or `delayMs` later with `note` as the job's error. */
  | { kind: 'back'; id: string; leaseToken: string; delayMs?: number; note?: string };

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

type ReportProgress = (job: ClaimedJob, value: unknown) => Promise<void>;

/** The handler's view of its attempt. Dates and the abort signal are made only when read. */
class AttemptContext implements JobContext {
  readonly id: string;
  readonly type: string;
  readonly attempt: number;
  readonly maxAttempts: number;

  constructor(
    private readonly running: RunningJob,
    readonly queue: string,
    private readonly reportProgress: ReportProgress,
  ) {
    const { job } = running;
    this.id = job.id;
    this.type = job.type;
    this.attempt = job.attempt;
    this.maxAttempts = job.maxAttempts;
  }

  get createdAt(): Date {
    return new Date(this.running.job.createdAtMs);
  }

  get signal(): AbortSignal {
    return this.running.signal;
  }

  progress(value: unknown): Promise<void> {
    return this.reportProgress(this.running.job, value);
  }
}

/**
 * One running job: its abort controller and the promise of its outcome. The handler is called
 * at once, and the outcome settles on the first of: the handler's result, its error, or an
 * abort (timeout, cancel, shutdown, lost lease), even if the handler ignores its signal.
 */
export class RunningJob {
  readonly startedAt = performance.now();
  readonly outcome: Promise<Outcome>;
  private resolveOutcome!: (outcome: Outcome) => void;
  private settled = false;
  private timer: NodeJS.Timeout | undefined;
  // The AbortController is made only when a handler reads ctx.signal: most never do, and
  // creating one per job is a measurable share of a fast worker's CPU.
  private controller: AbortController | undefined;
  private abortError: JobAbortedError | undefined;
  /** The handler's own code may still run (it can outlive an abort that settled the outcome). */
  private handlerRunning = true;
  private onHandlerDone: (() => void) | undefined;

  constructor(
    readonly job: ClaimedJob,
    handler: JobHandler,
    queue: string,
    reportProgress: ReportProgress,
  ) {
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
    if (job.timeoutMs > 0) {
      this.timer = setTimeout(() => this.abort('timeout', `timed out after ${job.timeoutMs} ms`), job.timeoutMs);
    }
    this.start(handler, new AttemptContext(this, queue, reportProgress));
  }

  /** True until the handler has returned or thrown (its promise settled), abort or not. */
  get executing(): boolean {
    return this.handlerRunning;
  }

  /** Calls `callback` once the handler has returned (at once if it has). */
  whenHandlerDone(callback: () => void): void {
    if (!this.handlerRunning) callback();
    else this.onHandlerDone = callback;
  }

  private handlerReturned(): void {
    this.handlerRunning = false;
    this.onHandlerDone?.();
    this.onHandlerDone = undefined;
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
    this.fail(this.abortError);
  }

  get abortReason(): AbortReason | undefined {
    return this.abortError?.reason;
  }

  private start(handler: JobHandler, ctx: AttemptContext): void {
    const { id, leaseToken, payloadJson } = this.job;
    let payload: unknown;
    try {
      payload = JSON.parse(payloadJson);
    } catch {
      this.handlerRunning = false;
      this.settle({ kind: 'fail', id, leaseToken, error: 'payload is not valid JSON', stack: '', retryDelayMs: -1 });
      return;
    }
    try {
      const result = handler(payload, ctx);
      if (isThenable(result)) {
        result.then(
          (value) => {
            this.handlerReturned();
            this.succeed(value);
          },
          (error: unknown) => {
            this.handlerReturned();
            this.fail(error);
          },
        );
      } else {
        this.handlerRunning = false;
        this.succeed(result);
      }
    } catch (error) {
      this.handlerRunning = false;
      this.fail(error);
    }
  }

  private succeed(result: unknown): void {
    if (this.settled) return;
    const { id, leaseToken } = this.job;
    this.settle({ kind: 'ok', id, leaseToken, resultJson: encodeResult(result) });
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    const { id, leaseToken } = this.job;
    if (this.abortReason === 'shutdown') {
      this.settle({ kind: 'back', id, leaseToken });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const stack = error instanceof Error ? (error.stack ?? '').slice(0, MAX_STACK) : '';
    const delay = isPermanentError(error) ? -1 : nextRetryDelay(error, this.job);
    this.settle({ kind: 'fail', id, leaseToken, error: message || 'error without a message', stack, retryDelayMs: delay });
  }

  private settle(outcome: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolveOutcome(outcome);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
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

/** An outcome waiting to be recorded, with the attempt it ends (none for a job handed back or cancelled unstarted). */
export interface Finished {
  outcome: Outcome;
  running?: RunningJob;
  durationMs: number;
}

/** The report of a recorded attempt, for onAttempt; `settled` is what the claim script made of it. */
export function describeAttempt(running: RunningJob, outcome: Outcome, durationMs: number, settled: Settled): AttemptReport {
  const { job } = running;
  // waited until the claim (Redis clock), then from the claim until the attempt started (this host's monotonic clock)
  const waitMs = job.waitedMs + Math.max(0, running.startedAt - job.claimedAt);
  const base = { id: job.id, type: job.type, attempt: job.attempt, durationMs, waitMs };
  const error = outcome.kind === 'fail' ? { error: outcome.error } : {};
  if (settled === 'cancelled') return { ...base, status: 'cancelled', ...error };
  if (outcome.kind === 'ok') return { ...base, status: 'success' };
  if (outcome.kind === 'back') return { ...base, status: 'returned' };
  const status = outcome.retryDelayMs >= 0 && job.attempt < job.maxAttempts ? 'retrying' : 'failed';
  return { ...base, status, error: outcome.error };
}
