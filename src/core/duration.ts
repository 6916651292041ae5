import { ValidationError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `500ms`, `10s`, `5m`, `2h`, `7d` or a bare number of milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  const unit = UNITS[match?.[2] ?? 'ms'];
  if (!match?.[1] || unit === undefined) {
    throw new ValidationError(`${what} "${text}" is not a duration: use e.g. 500ms, 10s, 5m, 2h, 7d or a number of ms`);
  }
  const ms = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(ms)) throw new ValidationError(`${what} "${text}" is too large`);
  return ms;
}

/** 1234 -> "1.2s", 90000 -> "1m30s": short, for people. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m${Math.round((ms % 60_000) / 1000)}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}
