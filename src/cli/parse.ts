import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../core/duration.js';
import { JOB_STATES } from '../core/job.js';
import type { ListState } from '../core/listing.js';

/** Commander option parsers: a bad value becomes a usage error (exit 2) naming the option. */
export function wholeNumber(min = 0): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected a whole number of at least ${min}, got "${value}"`);
    }
    return n;
  };
}

/** A comma-separated list, trimmed, without empties or repeats. */
export function commaList(value: string): string[] {
  const items = [...new Set(value.split(',').map((item) => item.trim()).filter((item) => item !== ''))];
  if (items.length === 0) throw new InvalidArgumentError(`expected a comma-separated list, got "${value}"`);
  return items;
}

export function duration(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export const LIST_STATES: readonly ListState[] = [...JOB_STATES, 'scheduled'];

export function listState(value: string): ListState {
  if (!(LIST_STATES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`unknown state "${value}"; use one of ${LIST_STATES.join(', ')}`);
  }
  return value as ListState;
}
