import { JobsError } from '../core/errors.js';

/** The CLI's stable exit codes. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  redisUnavailable: 4,
  timeout: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad usage or bad input: exit 2, nothing written. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An operation that ran and failed (e.g. an awaited job failed): exit 1. */
export class OperationFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperationFailed';
  }
}

export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof JobsError) {
    switch (error.code) {
      case 'VALIDATION':
      case 'SCHEDULE_EXISTS':
        return EXIT.usage;
      case 'NOT_FOUND':
      case 'SCHEDULE_NOT_FOUND':
        return EXIT.notFound;
      case 'REDIS_UNAVAILABLE':
        return EXIT.redisUnavailable;
      case 'TIMEOUT':
        return EXIT.timeout;
      default:
        return EXIT.failed;
    }
  }
  return EXIT.failed;
}
