import { validateCron, validateTimezone, type MisfirePolicy } from './cron-time.js';
import { ValidationError } from './errors.js';
import { encodeJob, type EnqueueOptions } from './options.js';
import { MISFIRE_POLICIES, OVERLAP_POLICIES, type OverlapPolicy } from './schedule-policies.js';

export type { MisfirePolicy } from './cron-time.js';
export { MISFIRE_POLICIES, OVERLAP_POLICIES, type OverlapPolicy };

/** Options of the jobs a schedule creates. */
export type ScheduleJobOptions = Pick<EnqueueOptions, 'priority' | 'maxAttempts' | 'backoff' | 'timeout'>;

/** A cron schedule as given to `schedules.add` / `schedules.update`. */
export interface ScheduleSpec<Payload = unknown> {
  /** 5 fields (`min hour day month weekday`), 6 with seconds first, or an alias such as `@daily`. */
  cron: string;
  /** Job type the schedule enqueues. */
  type: string;
  /** Payload of every job. Default `{}`. */
  payload?: Payload;
  /** IANA zone the expression is read in; DST as cron-parser defines it. Default "UTC". */
  timezone?: string;
  /** Options of every job (attempts, timeout, backoff, priority). */
  options?: ScheduleJobOptions;
  /**
   * `allow` (default): every tick enqueues. `skip`: no new job while the previous run is pending,
   * retrying or running (the tick is recorded as skipped). `queue-one`: a tick that comes while
   * the previous run is running waits, and is enqueued when it ends; at most one waits.
   */
  overlap?: OverlapPolicy;
  /**
   * Ticks missed while no worker ran: `run-once` (default) enqueues one job for them, `skip`
   * none, `run-all` one per missed tick (the newest `maxCatchUp`).
   */
  misfire?: MisfirePolicy;
  /**
   * A tick up to this late (ms) simply fires; a later one is a misfire. Default 15,000, more
   * than a scheduler's longest sleep, so a schedule added from another process fires its
   * first tick normally.
   */
  misfireGraceMs?: number;
  /** run-all fires at most this many missed ticks. Default 100. */
  maxCatchUp?: number;
  /** Fires kept in the history. Default 50. */
  historyLimit?: number;
  /** A paused schedule does not fire. Default false. */
  paused?: boolean;
}

/** The definition as stored in Redis (the `schedules` hash), JSON. */
export interface StoredSchedule {
  cron: string;
  timezone: string;
  type: string;
  payload: unknown;
  options: ScheduleJobOptions;
  overlap: OverlapPolicy;
  misfire: MisfirePolicy;
  misfireGraceMs: number;
  maxCatchUp: number;
  historyLimit: number;
  paused: boolean;
  createdAt: number;
  updatedAt: number;
}

const NAME_PATTERN = /^[^\s{}]{1,200}$/;

export function validateScheduleName(name: unknown): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new ValidationError(`schedule name must be 1-200 characters without spaces or braces, got ${JSON.stringify(name)}`);
  }
  return name;
}

function whole(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function oneOf<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ValidationError(`${what} "${value}" is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Checks a spec completely and builds its stored form; throws ValidationError, writes nothing. */
export function buildDefinition(spec: ScheduleSpec, now: number, createdAt = now): StoredSchedule {
  const timezone = validateTimezone(spec.timezone ?? 'UTC');
  if (typeof spec.cron !== 'string') throw new ValidationError('a schedule needs a cron expression');
  const cron = validateCron(spec.cron, timezone);
  const options: ScheduleJobOptions = { ...(spec.options ?? {}) };
  const unknown = Object.keys(options).filter((k) => !['priority', 'maxAttempts', 'backoff', 'timeout'].includes(k));
  if (unknown.length > 0) throw new ValidationError(`job options of a schedule cannot include ${unknown.join(', ')}`);
  encodeJob({ type: spec.type, payload: spec.payload, options });
  return {
    cron,
    timezone,
    type: spec.type,
    payload: spec.payload === undefined ? {} : spec.payload,
    options,
    overlap: oneOf('overlap policy', spec.overlap ?? 'allow', OVERLAP_POLICIES),
    misfire: oneOf('misfire policy', spec.misfire ?? 'run-once', MISFIRE_POLICIES),
    misfireGraceMs: whole('misfireGraceMs', spec.misfireGraceMs ?? 15_000, 0, 2 ** 40),
    maxCatchUp: whole('maxCatchUp', spec.maxCatchUp ?? 100, 1, 10_000),
    historyLimit: whole('historyLimit', spec.historyLimit ?? 50, 1, 10_000),
    paused: spec.paused ?? false,
    createdAt,
    updatedAt: now,
  };
}

/** The spec a stored definition was built from (to merge an update into). */
export function specOf(stored: StoredSchedule): ScheduleSpec {
  const { createdAt: _c, updatedAt: _u, ...spec } = stored;
  return spec;
}

export function parseDefinition(json: string): StoredSchedule {
  return JSON.parse(json) as StoredSchedule;
}

/** The 10 enqueue.lua fields of a schedule's job (the fire script sets the idempotency key). */
export function jobFields(stored: StoredSchedule): (string | number)[] {
  return encodeJob({ type: stored.type, payload: stored.payload, options: stored.options });
}
