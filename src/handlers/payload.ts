import { PermanentError } from '../core/errors.js';

/**
 * Payload checks shared by the built-in handlers. A malformed payload cannot be fixed by a
 * retry, so every check throws PermanentError with a message naming the job type and field.
 */
export class PayloadReader {
  private readonly fields: Record<string, unknown>;

  constructor(
    private readonly jobType: string,
    payload: unknown,
  ) {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new PermanentError(`${jobType} payload must be a JSON object, got ${describe(payload)}`);
    }
    this.fields = payload as Record<string, unknown>;
  }

  /** A PermanentError about one field, worded like the others. */
  invalid(field: string, expectation: string): PermanentError {
    return new PermanentError(`${this.jobType} payload: "${field}" ${expectation}, got ${describe(this.fields[field])}`);
  }

  has(field: string): boolean {
    return this.fields[field] !== undefined && this.fields[field] !== null;
  }

  raw(field: string): unknown {
    return this.fields[field];
  }

  requiredString(field: string): string {
    const value = this.fields[field];
    if (typeof value !== 'string' || value.length === 0) throw this.invalid(field, 'must be a non-empty string');
    return value;
  }

  optionalString(field: string): string | undefined {
    return this.has(field) ? this.requiredString(field) : undefined;
  }

  /** A string that may be empty (stdin, a text body). */
  optionalText(field: string): string | undefined {
    if (!this.has(field)) return undefined;
    const value = this.fields[field];
    if (typeof value !== 'string') throw this.invalid(field, 'must be a string');
    return value;
  }

  optionalStringArray(field: string): string[] | undefined {
    if (!this.has(field)) return undefined;
    const value = this.fields[field];
    if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
      throw this.invalid(field, 'must be an array of strings');
    }
    return value;
  }

  /** An object whose values are all strings (headers, environment variables). */
  optionalStringRecord(field: string): Record<string, string> | undefined {
    if (!this.has(field)) return undefined;
    const value = this.fields[field];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.invalid(field, 'must be an object of string values');
    }
    const entries = Object.entries(value);
    if (!entries.every(([, item]) => typeof item === 'string')) throw this.invalid(field, 'must be an object of string values');
    return Object.fromEntries(entries) as Record<string, string>;
  }

  optionalInteger(field: string, min: number, max: number): number | undefined {
    if (!this.has(field)) return undefined;
    const value = this.fields[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw this.invalid(field, `must be a whole number from ${min} to ${max}`);
    }
    return value;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** Why the job's signal fired, as an Error to rethrow (the core records its own reason anyway). */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}
