import { formatInZone } from '../core/cron-time.js';
import type { ScheduleJobOptions } from '../core/schedule-spec.js';
import type { Schedule, ScheduleFire } from '../core/schedules.js';
import type { Output } from './output.js';

/** A schedule as `--json` shows it (documented in README). */
export interface ScheduleJson {
  name: string;
  queue: string;
  cron: string;
  timezone: string;
  type: string;
  payload: unknown;
  options: ScheduleJobOptions;
  overlap: string;
  misfire: string;
  paused: boolean;
  /** ISO-8601 UTC, or null when paused or never again. */
  nextRunAt: string | null;
  /** The next run as a wall clock in the schedule's zone, e.g. "2024-03-31 03:30:00 GMT+2". */
  nextRunInZone: string | null;
  /** The next run as a wall clock in this machine's zone. */
  nextRunLocal: string | null;
  lastJobId: string | null;
  createdAt: string;
  updatedAt: string;
}

export function scheduleToJson(s: Schedule, out: Output): ScheduleJson {
  return {
    name: s.name,
    queue: s.queue,
    cron: s.cron,
    timezone: s.timezone,
    type: s.type,
    payload: out.redact(s.payload),
    options: s.options,
    overlap: s.overlap,
    misfire: s.misfire,
    paused: s.paused,
    nextRunAt: s.nextRunAt?.toISOString() ?? null,
    nextRunInZone: s.nextRunAt ? formatInZone(s.nextRunAt, s.timezone) : null,
    nextRunLocal: s.nextRunAt ? formatInZone(s.nextRunAt) : null,
    lastJobId: s.lastJobId,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

export function fireToJson(f: ScheduleFire): Record<string, unknown> {
  return {
    tick: f.tick.toISOString(),
    at: f.at.toISOString(),
    outcome: f.outcome,
    jobId: f.jobId,
    ...(f.missedFrom ? { missedFrom: f.missedFrom.toISOString() } : {}),
  };
}

export function printSchedule(out: Output, s: Schedule): void {
  const c = out.color;
  const rows: [string, string][] = [
    ['name', s.name],
    ['queue', s.queue],
    ['schedule', `${s.cron} (${s.timezone})`],
    ['type', s.type],
    ['payload', JSON.stringify(out.redact(s.payload))],
    ['options', JSON.stringify(s.options)],
    ['overlap', s.overlap],
    ['misfire', s.misfire],
    ['state', s.paused ? c.yellow('paused') : c.green('active')],
    ['next run', s.nextRunAt ? `${formatInZone(s.nextRunAt, s.timezone)}  (local ${formatInZone(s.nextRunAt)})` : '-'],
    ['last job', s.lastJobId ?? '-'],
  ];
  for (const [label, value] of rows) out.line(`${c.bold(label.padEnd(10))}${value}`);
}

/** The schedules as a table (jobs cron list). */
export function printScheduleTable(out: Output, list: readonly Schedule[]): void {
  out.table(
    ['name', 'schedule', 'zone', 'type', 'overlap', 'misfire', 'state', 'next run (zone)', 'next run (local)', 'last job'],
    list.map((s) => [
      s.name,
      s.cron,
      s.timezone,
      s.type,
      s.overlap,
      s.misfire,
      s.paused ? out.color.yellow('paused') : out.color.green('active'),
      s.nextRunAt ? formatInZone(s.nextRunAt, s.timezone) : '-',
      s.nextRunAt ? formatInZone(s.nextRunAt) : '-',
      s.lastJobId ?? '-',
    ]),
  );
}

/** A schedule's recent fires as a table (jobs cron show). */
export function printHistory(out: Output, history: readonly ScheduleFire[]): void {
  out.table(
    ['tick', 'handled at', 'outcome', 'job'],
    history.map((f) => [
      f.missedFrom ? `${f.missedFrom.toISOString()} .. ${f.tick.toISOString()}` : f.tick.toISOString(),
      f.at.toISOString(),
      f.outcome,
      f.jobId ?? '-',
    ]),
  );
}
