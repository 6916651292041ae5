import { ValidationError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/y;

/**
 * Parses `500ms`, `10s`, `5m`, `2h`, `7d`, compounds of them such as `1h30m` or `1d 2h`, or a
 * bare number of milliseconds.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const trimmed = text.trim();
  const bad = (): ValidationError =>
    new ValidationError(`${what} "${text}" is not a duration: use e.g. 500ms, 10s, 5m, 2h, 7d, 1h30m or a number of ms`);
  let total: number;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) {
    total = Number(trimmed);
  } else {
    total = 0;
    const seen = new Set<string>();
    PART.lastIndex = 0;
    let at = 0;
    while (at < trimmed.length) {
      PART.lastIndex = at;
      const match = PART.exec(trimmed);
      const unit = match?.[2];
      // each unit once, so `5m5m` or `30s1h` is a typo rather than a sum
      if (!match?.[1] || unit === undefined || seen.has(unit)) throw bad();
      seen.add(unit);
      total += Number(match[1]) * (UNITS[unit] ?? 0);
      at = PART.lastIndex;
      while (trimmed[at] === ' ') at += 1;
    }
    if (seen.size === 0) throw bad();
  }
  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) throw new ValidationError(`${what} "${text}" is too large`);
  return ms;
}

/**
 * 1234 -> "1.2s", 90000 -> "1m30s", 5400000 -> "1h30m": short, for people, and in the form
 * parseDuration reads back (whole seconds from a minute up; zero parts left out).
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) {
    const tenths = Math.round(ms / 100);
    return tenths % 10 === 0 ? `${tenths / 10}s` : `${(tenths / 10).toFixed(1)}s`;
  }
  let seconds = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(seconds / size);
    seconds -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.join('');
}
