import { PayloadTooLargeError, ValidationError } from './errors.js';
import { DEFAULT_MAX_ATTEMPTS, type Backoff } from './job.js';

export interface EnqueueOptions {
  /** Run no sooner than this many ms from now. */
  delay?: number;
  /** Run no sooner than this time (a Date or epoch ms). Exclusive with `delay`. */
  runAt?: Date | number;
  /** 0..1000, higher runs first. Default 0. */
  priority?: number;
  /** Attempts before the job is dead-lettered. Default 3. */
  maxAttempts?: number;
  /** Retry delays; see Backoff. */
  backoff?: Partial<Backoff>;
  /** Abort an attempt after this many ms. Default: no limit. */
  timeout?: number;
  /** Enqueueing again with this key within the idempotency window returns the first job. */
  idempotencyKey?: string;
}

export interface JobSpec<Payload = unknown> {
  type: string;
  payload?: Payload;
  options?: EnqueueOptions;
}

/** Default cap on a payload's JSON size: queues carry references, not files. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

const NAME_PATTERN = /^[^\s{}]{1,200}$/;

export function validateName(kind: 'queue' | 'prefix' | 'job type', value: unknown): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new ValidationError(`${kind} must be 1-200 characters without spaces or braces, got ${JSON.stringify(value)}`);
  }
  return value;
}

function wholeNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/**
 * A validated job as enqueue.lua's 5 arguments: type, payload, maxAttempts, the other options
 * packed in one string ('' when all are defaults, as for most jobs), idempotency key.
 */
export type EncodedJob = string[];

/** Checks one job and turns it into enqueue.lua's arguments; throws before anything is written. */
export function encodeJob(spec: JobSpec, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES): EncodedJob {
  const type = validateName('job type', spec.type);
  let payload: string | undefined;
  try {
    // only a missing payload defaults to {}; null is a payload like any other
    payload = JSON.stringify(spec.payload === undefined ? {} : spec.payload);
  } catch (error) {
    const reason = error instanceof RangeError ? 'it nests too deep' : (error as Error).message;
    throw new ValidationError(`payload of a "${type}" job is not JSON-serialisable: ${reason}`);
  }
  if (payload === undefined) throw new ValidationError(`payload of a "${type}" job is not JSON-serialisable`);
  const bytes = Buffer.byteLength(payload);
  if (bytes > maxPayloadBytes) {
    throw new PayloadTooLargeError(type, bytes, maxPayloadBytes);
  }
  const o = spec.options ?? {};
  if (o.delay !== undefined && o.runAt !== undefined) throw new ValidationError('give either delay or runAt, not both');
  const delay = o.delay === undefined ? 0 : wholeNumber('delay', o.delay, 0, Number.MAX_SAFE_INTEGER);
  let runAt = -1;
  if (o.runAt !== undefined) {
    runAt = o.runAt instanceof Date ? o.runAt.getTime() : o.runAt;
    if (!Number.isFinite(runAt) || runAt < 0) throw new ValidationError('runAt must be a valid date');
  }
  const priority = wholeNumber('priority', o.priority ?? 0, 0, 1000);
  const maxAttempts = wholeNumber('maxAttempts', o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 1, 1000);
  const base = o.backoff?.baseMs === undefined ? -1 : wholeNumber('backoff base', o.backoff.baseMs, 0, 2 ** 40);
  const cap = o.backoff?.capMs === undefined ? -1 : wholeNumber('backoff cap', o.backoff.capMs, 0, 2 ** 40);
  if (base >= 0 && cap >= 0 && cap < base) throw new ValidationError('backoff cap must not be below its base');
  const timeout = o.timeout === undefined ? 0 : wholeNumber('timeout', o.timeout, 1, 2 ** 40);
  const key = o.idempotencyKey ?? '';
  if (o.idempotencyKey !== undefined && (key.length === 0 || key.length > 256)) {
    throw new ValidationError('idempotencyKey must be 1-256 characters');
  }
  const defaults = delay === 0 && runAt === -1 && priority === 0 && base === -1 && cap === -1 && timeout === 0;
  const packed = defaults ? '' : `${delay},${runAt},${priority},${base},${cap},${timeout}`;
  return [type, payload, String(maxAttempts), packed, key];
}
