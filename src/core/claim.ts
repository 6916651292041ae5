import type { QueueHandle } from './handle.js';
import { DEFAULT_BACKOFF } from './job.js';
import type { ClaimedJob, Outcome } from './job-runner.js';

/** What became of an outcome sent: recorded as given, refused (the lease was lost), or recorded as cancelled (a cancel was requested). */
export type Settled = 'recorded' | 'lost' | 'cancelled';

const SETTLED: readonly Settled[] = ['lost', 'recorded', 'cancelled'];

/** The claim script's reply, decoded. */
export interface ClaimReply {
  /** Per outcome sent, in order. */
  settled: Settled[];
  jobs: ClaimedJob[];
  /** Ms from the call (on the Redis server's clock) until the next delayed job, retry or lease deadline is due, or -1. */
  nextDueInMs: number;
  /** performance.now() when the reply arrived: the origin of nextDueInMs on this host's monotonic clock. */
  receivedAt: number;
  paused: boolean;
  /** The script did the queue's upkeep in this call. */
  upkeepDone: boolean;
}

export interface ClaimRequest {
  leaseMs: number;
  /** Jobs to claim (0 to only record outcomes). */
  want: number;
  /** Ask for upkeep even if ready jobs do not run short. */
  upkeep: boolean;
  outcomes: readonly Outcome[];
  /** The claiming worker's registration id, stamped on each job taken (shown in its attempt history). */
  workerId?: string;
}

const CLAIMED_FIELDS = 11;

/** Records outcomes and claims jobs in one round trip (see scripts/claim.lua). */
export async function claimJobs(handle: QueueHandle, request: ClaimRequest): Promise<ClaimReply> {
  const k = handle.keys;
  const { finishedCount, finishedAgeMs } = handle.retention;
  const { leaseMs, want, upkeep, outcomes } = request;
  const args: (string | number)[] = [k.base, leaseMs, want, finishedCount, finishedAgeMs, upkeep ? 1 : 0, request.workerId ?? '', outcomes.length];
  for (const o of outcomes) {
    if (o.kind === 'ok') args.push(o.id, o.leaseToken, 'ok', o.resultJson, '');
    else if (o.kind === 'back') args.push(o.id, o.leaseToken, 'back', o.note ?? '', '', o.delayMs ?? 0);
    else args.push(o.id, o.leaseToken, 'fail', o.error, o.stack, o.retryDelayMs);
  }
  const keys = [k.ready, k.prio, k.delayed, k.retry, k.active, k.done, k.dlq, k.cancelled, k.meta, k.marker];
  const [settled, flat, nextDueIn, paused, upkeepDone, serverNow] = (await handle.script('claim', keys, args)) as [
    number[],
    (string | number)[],
    number,
    number,
    number,
    number,
  ];
  const receivedAt = performance.now();
  const jobs: ClaimedJob[] = [];
  for (let i = 0; i + CLAIMED_FIELDS <= flat.length; i += CLAIMED_FIELDS) {
    const baseMs = Number(flat[i + 7]);
    const capMs = Number(flat[i + 8]);
    jobs.push({
      id: String(flat[i]),
      leaseToken: String(flat[i + 1]),
      type: String(flat[i + 2]),
      payloadJson: String(flat[i + 3]),
      attempt: Number(flat[i + 4]),
      maxAttempts: Number(flat[i + 5]),
      timeoutMs: Number(flat[i + 6]),
      // most jobs use the default backoff: share one object
      backoff:
        baseMs < 0 && capMs < 0
          ? DEFAULT_BACKOFF
          : { baseMs: baseMs < 0 ? DEFAULT_BACKOFF.baseMs : baseMs, capMs: capMs < 0 ? DEFAULT_BACKOFF.capMs : capMs },
      createdAtMs: Number(flat[i + 9]),
      waitedMs: Math.max(0, Number(serverNow) - Number(flat[i + 10])),
      claimedAt: receivedAt,
    });
  }
  return {
    settled: settled.map((status) => SETTLED[status] ?? 'lost'),
    jobs,
    nextDueInMs: Number(nextDueIn),
    receivedAt,
    paused: paused === 1,
    upkeepDone: upkeepDone === 1,
  };
}
