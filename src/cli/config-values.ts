import { parseDuration } from '../core/duration.js';
import { UsageError } from './errors.js';

/** A setting's raw value: text from a flag or the environment, or a JSON value from the config file. */
export type RawValue = string | number | boolean | readonly string[];

/** Turns a raw value into a setting's type; `where` names the source in error messages. */
export type ValueParser<T> = (raw: RawValue, where: string) => T;

const fail = (where: string, problem: string): UsageError => new UsageError(`${where}: ${problem}`);

export const text: ValueParser<string> = (raw, where) => {
  if (typeof raw !== 'string') throw fail(where, 'expected a string');
  return raw;
};

export function whole(min: number, max = Number.MAX_SAFE_INTEGER): ValueParser<number> {
  return (raw, where) => {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw fail(where, `expected a whole number ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
}

export const duration: ValueParser<number> = (raw, where) => {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw;
  if (typeof raw !== 'string') throw fail(where, `expected a duration such as 30s or 1h30m, got ${JSON.stringify(raw)}`);
  try {
    return parseDuration(raw, where);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
};

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

export const flag: ValueParser<boolean> = (raw, where) => {
  if (typeof raw === 'boolean') return raw;
  const word = String(raw).trim().toLowerCase();
  if (TRUE.includes(word)) return true;
  if (FALSE.includes(word)) return false;
  throw fail(where, `expected true or false, got ${JSON.stringify(raw)}`);
};

/** `a,b` (or a JSON array of strings in the config file), without blanks or repeats. */
export const list: ValueParser<string[]> = (raw, where) => {
  const items = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : undefined;
  if (!items || items.some((item) => typeof item !== 'string')) throw fail(where, 'expected a comma-separated list such as a,b');
  const clean = [...new Set(items.map((item) => item.trim()).filter((item) => item !== ''))];
  if (clean.length === 0) throw fail(where, `expected a comma-separated list such as a,b, got ${JSON.stringify(raw)}`);
  return clean;
};

export function oneOf<T extends string>(values: readonly T[]): ValueParser<T> {
  return (raw, where) => {
    if (typeof raw !== 'string' || !(values as readonly string[]).includes(raw)) {
      throw fail(where, `use ${values.join(' or ')}, got ${JSON.stringify(raw)}`);
    }
    return raw as T;
  };
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2 };

/** Bytes: `1048576`, `512kb`, `2mb` (1024-based). */
export const size: ValueParser<number> = (raw, where) => {
  const match = typeof raw === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw) : null;
  const factor = match ? SIZE_UNITS[(match[2] ?? '').toLowerCase()] : undefined;
  const bytes = typeof raw === 'number' ? raw : match && factor !== undefined ? Math.round(Number(match[1]) * factor) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw fail(where, `expected a size such as 1048576, 512kb or 2mb, got ${JSON.stringify(raw)}`);
  return bytes;
};
