import type { ScheduleJobOptions, ScheduleSpec } from '../core/schedule-spec.js';
import { UsageError } from './errors.js';
import { readPayloadFlags } from './input.js';

/** The options of `jobs cron add`. */
export interface CronAddFlags {
  schedule?: string;
  type?: string;
  payload?: string;
  data?: string;
  tz?: string;
  overlap?: ScheduleSpec['overlap'];
  misfire?: ScheduleSpec['misfire'];
  maxAttempts?: number;
  timeout?: number;
  priority?: number;
  paused?: boolean;
  update?: boolean;
}

/** Only the fields the flags give: what `--update` changes (job options merge key by key). */
export interface CronPatch {
  fields: Partial<ScheduleSpec>;
  options: ScheduleJobOptions;
}

export async function patchFrom(flags: CronAddFlags): Promise<CronPatch> {
  const options: ScheduleJobOptions = {};
  if (flags.maxAttempts !== undefined) options.maxAttempts = flags.maxAttempts;
  if (flags.timeout !== undefined) options.timeout = flags.timeout;
  if (flags.priority !== undefined) options.priority = flags.priority;
  const fields: Partial<ScheduleSpec> = {};
  if (flags.schedule !== undefined) fields.cron = flags.schedule;
  if (flags.type !== undefined) fields.type = flags.type;
  const payload = await readPayloadFlags(flags);
  if (payload !== undefined) fields.payload = payload;
  if (flags.tz !== undefined) fields.timezone = flags.tz;
  if (flags.overlap !== undefined) fields.overlap = flags.overlap;
  if (flags.misfire !== undefined) fields.misfire = flags.misfire;
  if (flags.paused) fields.paused = true;
  return { fields, options };
}

/** The patch applied to a schedule's current definition. */
export function applyPatch(patch: CronPatch, current: ScheduleSpec): Partial<ScheduleSpec> {
  return Object.keys(patch.options).length === 0 ? patch.fields : { ...patch.fields, options: { ...current.options, ...patch.options } };
}

/** A whole new schedule: --schedule and --type are needed. */
export function specFrom(patch: CronPatch): ScheduleSpec {
  const { cron, type } = patch.fields;
  if (cron === undefined) throw new UsageError('--schedule <expr> is required to add a schedule');
  if (type === undefined) throw new UsageError('--type <type> is required to add a schedule');
  return { ...patch.fields, cron, type, options: patch.options };
}
