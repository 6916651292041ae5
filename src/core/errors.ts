/** Every error the core throws carries a stable `code` that scripts and the CLI can branch on. */
export type JobsErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'INVALID_STATE'
  | 'QUEUE_FULL'
  | 'LEASE_LOST'
  | 'REDIS_UNAVAILABLE'
  | 'TIMEOUT'
  | 'SCHEDULE_EXISTS'
  | 'SCHEDULE_NOT_FOUND';

export class JobsError extends Error {
  readonly code: JobsErrorCode;

  constructor(code: JobsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JobsError';
    this.code = code;
  }
}

/** Bad input (options, payload, durations). Nothing was written. */
export class ValidationError extends JobsError {
  constructor(message: string) {
    super('VALIDATION', message);
    this.name = 'ValidationError';
  }
}

/** A payload over the queue's `maxPayloadBytes`. Nothing was written. */
export class PayloadTooLargeError extends ValidationError {
  readonly jobType: string;
  readonly bytes: number;
  readonly limit: number;
  constructor(jobType: string, bytes: number, limit: number, howToRaise = 'raise the Queue option maxPayloadBytes') {
    super(`payload of a "${jobType}" job is ${bytes} bytes, over the ${limit}-byte limit; store the data elsewhere and enqueue a reference, or ${howToRaise}`);
    this.name = 'PayloadTooLargeError';
    this.jobType = jobType;
    this.bytes = bytes;
    this.limit = limit;
  }
}

export class JobNotFoundError extends JobsError {
  readonly jobId: string;
  constructor(jobId: string, queue: string) {
    super('NOT_FOUND', `job ${jobId} not found in queue "${queue}"`);
    this.name = 'JobNotFoundError';
    this.jobId = jobId;
  }
}

/** A transition that the job's current state does not allow; nothing was changed. */
export class InvalidStateError extends JobsError {
  readonly jobId: string;
  readonly state: string;
  constructor(jobId: string, state: string, action: string) {
    super('INVALID_STATE', `cannot ${action} job ${jobId}: it is ${state}`);
    this.name = 'InvalidStateError';
    this.jobId = jobId;
    this.state = state;
  }
}

/** A queue no job, worker or pause ever registered under the prefix. */
export class QueueNotFoundError extends JobsError {
  readonly queue: string;
  constructor(queue: string, prefix: string) {
    super('NOT_FOUND', `queue "${queue}" not found under prefix "${prefix}"`);
    this.name = 'QueueNotFoundError';
    this.queue = queue;
  }
}

/** Deleting a queue that still has work or workers, without `force`; nothing was deleted. */
export class QueueBusyError extends JobsError {
  readonly queue: string;
  constructor(queue: string, reason: string) {
    super('INVALID_STATE', `queue "${queue}" ${reason}; nothing was deleted`);
    this.name = 'QueueBusyError';
    this.queue = queue;
  }
}

export class QueueFullError extends JobsError {
  constructor(queue: string, maxPending: number) {
    super('QUEUE_FULL', `queue "${queue}" is full (${maxPending} pending jobs); enqueue refused`);
    this.name = 'QueueFullError';
  }
}

/** `schedules.add` of a name that exists (use update, or add with `{ update: true }`). */
export class ScheduleExistsError extends JobsError {
  readonly schedule: string;
  constructor(schedule: string, queue: string) {
    super('SCHEDULE_EXISTS', `schedule "${schedule}" already exists in queue "${queue}"; update it instead`);
    this.name = 'ScheduleExistsError';
    this.schedule = schedule;
  }
}

export class ScheduleNotFoundError extends JobsError {
  readonly schedule: string;
  constructor(schedule: string, queue: string) {
    super('SCHEDULE_NOT_FOUND', `schedule "${schedule}" not found in queue "${queue}"`);
    this.name = 'ScheduleNotFoundError';
    this.schedule = schedule;
  }
}

export class RedisUnavailableError extends JobsError {
  constructor(url: string, cause?: unknown) {
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    super('REDIS_UNAVAILABLE', `cannot reach Redis at ${url}${reason}`, { cause });
    this.name = 'RedisUnavailableError';
  }
}

export class TimeoutError extends JobsError {
  constructor(message: string) {
    super('TIMEOUT', message);
    this.name = 'TimeoutError';
  }
}

/**
 * Thrown by a handler when retrying cannot help (a 404, an invalid address):
 * the job goes straight to the dead-letter queue.
 */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

export function isPermanentError(error: unknown): boolean {
  return error instanceof PermanentError || (error instanceof Error && error.name === 'PermanentError');
}
