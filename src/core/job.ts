import { decodeHistory, type Attempt } from './attempt-history.js';

/** The states of a job, as users see them. A pending job due later is shown as "scheduled". */
export const JOB_STATES = ['pending', 'running', 'success', 'failed', 'retrying', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Retry delays: exponential from `baseMs`, capped at `capMs`, with full jitter. */
export interface Backoff {
  /** Delay bound before the 2nd attempt, doubled for each later one. Default 1000 ms. */
  baseMs: number;
  /** Upper bound of any retry delay. Default 3,600,000 ms (1 h). */
  capMs: number;
}

export const DEFAULT_BACKOFF: Readonly<Backoff> = { baseMs: 1000, capMs: 3_600_000 };
export const DEFAULT_MAX_ATTEMPTS = 3;

export interface Job<Payload = unknown, Result = unknown> {
  id: string;
  queue: string;
  type: string;
  status: JobState;
  payload: Payload;
  /** Attempts started so far (a running job counts its current attempt). */
  attempts: number;
  maxAttempts: number;
  /** 0..1000, higher runs first. */
  priority: number;
  createdAt: Date;
  /** When the job is (or was) due to run. */
  scheduledFor: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
  stack: string | null;
  result: Result | null;
  progress: unknown;
  /** Per-attempt time limit in ms, or null for none. */
  timeoutMs: number | null;
  backoff: Backoff;
  idempotencyKey: string | null;
  /** A cancel was asked for while the job was running. */
  cancelRequested: boolean;
  /** The cron schedule and tick that fired this job, or null. */
  schedule: { name: string; tick: Date } | null;
  /** Its attempts, oldest first: the latest ones (at most 20) that did not succeed, then the running or successful one. */
  history: Attempt[];
}

const time = (value: string | undefined): Date | null => (value ? new Date(Number(value)) : null);
const integer = (value: string | undefined, fallback: number): number => (value === undefined ? fallback : Number(value));

function parseJson(value: string | undefined): unknown {
  if (value === undefined || value === '') return null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Builds a Job from its Redis hash (see the field list in scripts/_lib.lua), payload string and history entries. */
export function decodeJob(
  queue: string,
  id: string,
  hash: Record<string, string>,
  payloadJson: string | undefined,
  historyEntries: readonly string[] = [],
): Job {
  const timeout = hash.to === undefined ? null : Number(hash.to);
  return {
    id,
    queue,
    type: hash.t ?? '',
    status: (hash.s ?? 'pending') as JobState,
    payload: parseJson(payloadJson),
    attempts: integer(hash.a, 0),
    maxAttempts: integer(hash.m, DEFAULT_MAX_ATTEMPTS),
    priority: integer(hash.pr, 0),
    createdAt: new Date(Number(hash.c ?? 0)),
    scheduledFor: time(hash.d),
    startedAt: time(hash.sa),
    finishedAt: time(hash.f),
    error: hash.e ?? null,
    stack: hash.x ? hash.x : null,
    result: parseJson(hash.r),
    progress: parseJson(hash.g),
    timeoutMs: timeout,
    backoff: { baseMs: integer(hash.bb, DEFAULT_BACKOFF.baseMs), capMs: integer(hash.bc, DEFAULT_BACKOFF.capMs) },
    idempotencyKey: hash.k ?? null,
    cancelRequested: hash.cx === '1',
    schedule: hash.sn ? { name: hash.sn, tick: new Date(Number(hash.st ?? 0)) } : null,
    history: decodeHistory(historyEntries, hash),
  };
}

/** Full-jitter exponential backoff: a uniform delay in [0, min(cap, base * 2^(attempt-1))]. */
export function retryDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const bound = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * (bound + 1));
}
