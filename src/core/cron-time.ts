import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { ValidationError } from './errors.js';

/** What to do with ticks that were due while no worker ran. */
export type MisfirePolicy = 'run-once' | 'skip' | 'run-all';

/** Aliases cron-parser understands besides 5- and 6-field expressions. */
const ALIASES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly', '@minutely', '@secondly', '@weekdays', '@weekends']);

/** Throws ValidationError unless `zone` is an IANA time zone this runtime knows. */
export function validateTimezone(zone: string): string {
  try {
    if (zone.trim() === '') throw new RangeError('empty');
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    throw new ValidationError(`time zone "${zone}" is not an IANA zone name; use e.g. UTC, Europe/Berlin, America/New_York`);
  }
}

function parse(expression: string, timezone: string, currentDate: number): CronExpression {
  return CronExpressionParser.parse(expression, { currentDate, tz: timezone });
}

/**
 * Throws ValidationError unless `expression` is a 5-field (minute precision) or 6-field (with
 * seconds) cron expression, or an alias such as @daily, that fires at least once.
 */
export function validateCron(expression: string, timezone: string): string {
  const text = expression.trim();
  const fields = text.split(/\s+/).length;
  const hint = "use 5 fields (min hour day month weekday, e.g. '*/5 * * * *') or 6 with seconds first ('*/10 * * * * *')";
  if (!ALIASES.has(text) && fields !== 5 && fields !== 6) {
    throw new ValidationError(`cron expression "${expression}" has ${fields} fields; ${hint}`);
  }
  try {
    parse(text, timezone, Date.now()).next();
  } catch (error) {
    throw new ValidationError(`cron expression "${expression}" is not valid (${(error as Error).message}); ${hint}`);
  }
  return text;
}

/** The first tick strictly after `after` (epoch ms), or null when the expression never fires again. */
export function nextTick(expression: string, timezone: string, after: number): number | null {
  try {
    return parse(expression, timezone, after).next().getTime();
  } catch {
    return null;
  }
}

/** Up to `limit` ticks strictly before `before`, newest first, none earlier than `notBefore`. */
function ticksBefore(expression: string, timezone: string, before: number, notBefore: number, limit: number): number[] {
  const out: number[] = [];
  const cron = parse(expression, timezone, before);
  while (out.length < limit) {
    let tick: number;
    try {
      tick = cron.prev().getTime();
    } catch {
      break;
    }
    if (tick < notBefore) break;
    out.push(tick);
  }
  return out;
}

/** What one scheduler pass does with a due schedule. */
export interface FirePlan {
  /** Ticks to fire, oldest first. */
  ticks: number[];
  /** The next run after this pass, or null when the expression never fires again. */
  next: number | null;
  /** Ticks dropped by the misfire policy: the first and last of them, or null. */
  missed: { from: number; to: number } | null;
}

export interface PlanInput {
  expression: string;
  timezone: string;
  /** The stored next run (a tick that is due: `due <= now`). */
  due: number;
  now: number;
  misfire: MisfirePolicy;
  /** A tick later than this (ms) is a misfire; within it, it is simply late and fires. */
  graceMs: number;
  /** run-all fires at most this many missed ticks (the newest). */
  maxCatchUp: number;
}

/** Most ticks one pass fires on time; more would be a schedule far denser than its grace. */
const MAX_ON_TIME = 1000;

/**
 * Splits the ticks from `due` up to `now` into on-time ticks (late by at most the grace: they
 * all fire) and missed ticks (handled by the misfire policy), and finds the next run. Work is
 * bounded by the cap and the grace, not by how long the downtime was.
 */
export function planFire(input: PlanInput): FirePlan {
  const { expression, timezone, due, now } = input;
  const cutoff = now - input.graceMs;
  const onTime: number[] = [];
  let next: number | null = null;
  // `due` itself is taken as stored: around a DST gap cron-parser yields a shifted tick only
  // when iterating from before the gap, so it is not derived again here.
  let cursor = cutoff - 1;
  if (due >= cutoff) {
    onTime.push(due);
    cursor = due;
  }
  for (;;) {
    const tick = nextTick(expression, timezone, cursor);
    if (tick === null || tick > now) {
      next = tick;
      break;
    }
    if (onTime.length >= MAX_ON_TIME) onTime.shift();
    onTime.push(tick);
    cursor = tick;
  }
  if (due >= cutoff) return { ticks: onTime, next, missed: null };
  // Missed ticks lie in [due, cutoff): `due` is one of them.
  const keep = input.misfire === 'skip' ? 0 : input.misfire === 'run-once' ? 1 : input.maxCatchUp;
  const recent = ticksBefore(expression, timezone, cutoff, due, keep + 1);
  if (recent.length <= keep && recent.at(-1) !== due) recent.push(due);
  const fired = recent.slice(0, keep).reverse();
  const dropped = recent.length > keep || keep === 0;
  let missed: FirePlan['missed'] = null;
  if (dropped) {
    const to = keep === 0 ? (recent[0] ?? due) : (recent[keep] ?? due);
    missed = { from: Math.min(due, to), to };
  }
  return { ticks: [...fired, ...onTime], next, missed };
}

/** `2024-03-31 03:30:00 GMT+2` style: the instant as a wall clock in `timezone`. */
export function formatInZone(at: Date, timezone?: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${get('timeZoneName')}`;
}
