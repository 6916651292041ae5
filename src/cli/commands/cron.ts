import { Option, type Command } from 'commander';
import { formatInZone } from '../../core/cron-time.js';
import { ScheduleExistsError } from '../../core/errors.js';
import { MISFIRE_POLICIES, OVERLAP_POLICIES, type ScheduleJobOptions, type ScheduleSpec } from '../../core/schedule-spec.js';
import { Schedules, type Schedule, type ScheduleFire } from '../../core/schedules.js';
import { action, type CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { readPayloadFlags } from '../input.js';
import type { Output } from '../output.js';
import { duration, wholeNumber } from '../parse.js';

interface AddFlags {
  schedule: string;
  type: string;
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

function fireToJson(f: ScheduleFire): Record<string, unknown> {
  return {
    tick: f.tick.toISOString(),
    at: f.at.toISOString(),
    outcome: f.outcome,
    jobId: f.jobId,
    ...(f.missedFrom ? { missedFrom: f.missedFrom.toISOString() } : {}),
  };
}

async function specFrom(flags: AddFlags): Promise<ScheduleSpec> {
  const options: ScheduleJobOptions = {};
  if (flags.maxAttempts !== undefined) options.maxAttempts = flags.maxAttempts;
  if (flags.timeout !== undefined) options.timeout = flags.timeout;
  if (flags.priority !== undefined) options.priority = flags.priority;
  const spec: ScheduleSpec = { cron: flags.schedule, type: flags.type, options };
  const payload = await readPayloadFlags(flags);
  if (payload !== undefined) spec.payload = payload;
  if (flags.tz !== undefined) spec.timezone = flags.tz;
  if (flags.overlap !== undefined) spec.overlap = flags.overlap;
  if (flags.misfire !== undefined) spec.misfire = flags.misfire;
  if (flags.paused) spec.paused = true;
  return spec;
}

function printSchedule(out: Output, s: Schedule): void {
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

function choice<T extends string>(flags: string, what: string, values: readonly T[]): Option {
  return new Option(flags, what).choices(values as readonly string[]);
}

/** `jobs cron add|list|show|remove|trigger|pause|resume`: cron schedules of a queue. */
export function registerCronCommands(program: Command): void {
  const cron = program
    .command('cron')
    .description('cron schedules: every running worker fires them, exactly one job per tick')
    .addHelpText('after', "\nExamples:\n  jobs cron add nightly --schedule '0 3 * * *' --tz Europe/Berlin --type report\n  jobs cron list\n  jobs cron show nightly --json");
  const schedules = (ctx: CliContext): Schedules => new Schedules(ctx.queue());

  cron
    .command('add <name>')
    .description('add a schedule (refused if the name exists, unless --update)')
    .requiredOption('--schedule <expr>', "cron expression: 5 fields, or 6 with seconds first, or @hourly/@daily/...")
    .requiredOption('--type <type>', 'job type to enqueue')
    .option('--payload <file>', 'job payload from a JSON file (- for stdin)')
    .option('--data <json>', 'job payload as inline JSON')
    .option('--tz <zone>', 'IANA time zone the expression is read in (default UTC)')
    .addOption(choice('--overlap <policy>', 'while the previous run is not finished: allow (default), skip, queue-one', OVERLAP_POLICIES))
    .addOption(choice('--misfire <policy>', 'ticks missed while no worker ran: run-once (default), skip, run-all', MISFIRE_POLICIES))
    .option('--max-attempts <n>', 'attempts per job', wholeNumber(1))
    .option('--timeout <duration>', 'per-attempt time limit (e.g. 30s)', duration)
    .option('--priority <n>', 'job priority 0..1000', wholeNumber(0))
    .option('--paused', 'add it paused')
    .option('--update', 'replace the schedule if the name exists')
    .addHelpText('after', "\nExamples:\n  jobs cron add cleanup --schedule '*/15 * * * *' --type cleanup --overlap skip\n  jobs cron add report --schedule '0 9 * * 1-5' --tz America/New_York --type report --data '{\"to\":\"ops\"}'")
    .action(
      action(async (ctx, name: string, flags: AddFlags) => {
        const spec = await specFrom(flags);
        let added: Schedule;
        try {
          added = await schedules(ctx).add(name, spec, { update: Boolean(flags.update) });
        } catch (error) {
          if (error instanceof ScheduleExistsError) {
            throw new UsageError(`schedule "${name}" already exists; pass --update to replace it (nothing was changed)`);
          }
          throw error;
        }
        ctx.out.data(scheduleToJson(added, ctx.out));
        const next = added.nextRunAt ? `next run ${formatInZone(added.nextRunAt, added.timezone)}` : 'paused';
        ctx.out.line(`schedule ${added.name} saved: ${added.cron} (${added.timezone}) -> ${added.type}; ${next}`);
      }),
    );

  cron
    .command('list')
    .alias('ls')
    .description("schedules with their next run, in the schedule's zone and in local time")
    .action(
      action(async (ctx) => {
        const list = await schedules(ctx).list();
        ctx.out.data(list.map((schedule) => scheduleToJson(schedule, ctx.out)));
        if (list.length === 0) return ctx.out.line('no schedules');
        ctx.out.table(
          ['name', 'schedule', 'zone', 'type', 'overlap', 'misfire', 'state', 'next run (zone)', 'next run (local)', 'last job'],
          list.map((s) => [
            s.name,
            s.cron,
            s.timezone,
            s.type,
            s.overlap,
            s.misfire,
            s.paused ? ctx.out.color.yellow('paused') : ctx.out.color.green('active'),
            s.nextRunAt ? formatInZone(s.nextRunAt, s.timezone) : '-',
            s.nextRunAt ? formatInZone(s.nextRunAt) : '-',
            s.lastJobId ?? '-',
          ]),
        );
      }),
    );

  cron
    .command('show <name>')
    .description('one schedule with its recent fires (newest first)')
    .option('--limit <n>', 'history entries', wholeNumber(1), 20)
    .action(
      action(async (ctx, name: string, opts: { limit: number }) => {
        const s = schedules(ctx);
        const schedule = await s.get(name);
        const history = await s.history(name, opts.limit);
        ctx.out.data({ ...scheduleToJson(schedule, ctx.out), history: history.map(fireToJson) });
        printSchedule(ctx.out, schedule);
        if (history.length === 0) return ctx.out.line('\nno fires yet');
        ctx.out.line();
        ctx.out.table(
          ['tick', 'handled at', 'outcome', 'job'],
          history.map((f) => [
            f.missedFrom ? `${f.missedFrom.toISOString()} .. ${f.tick.toISOString()}` : f.tick.toISOString(),
            f.at.toISOString(),
            f.outcome,
            f.jobId ?? '-',
          ]),
        );
      }),
    );

  cron
    .command('remove <name>')
    .alias('rm')
    .description('delete a schedule and its history (jobs it created stay)')
    .option('--yes', 'do not ask for confirmation')
    .action(
      action(async (ctx, name: string, opts: { yes?: boolean }) => {
        const s = schedules(ctx);
        await s.get(name);
        await ctx.confirm(`Remove schedule "${name}"?`, opts.yes);
        await s.remove(name);
        ctx.out.data({ name, removed: true });
        ctx.out.line(`schedule ${name} removed`);
      }),
    );

  cron
    .command('trigger <name>')
    .description('enqueue the schedule\'s job now (policies and pause do not apply; the next run is unchanged)')
    .action(
      action(async (ctx, name: string) => {
        const { jobId, at } = await schedules(ctx).trigger(name);
        ctx.out.data({ name, jobId, at: at.toISOString() });
        ctx.out.line(`schedule ${name} triggered: job ${jobId}`);
      }),
    );

  for (const [verb, description] of [
    ['pause', 'stop firing (ticks while paused are not caught up)'],
    ['resume', 'fire again from the next tick'],
  ] as const) {
    cron
      .command(`${verb} <name>`)
      .description(description)
      .action(
        action(async (ctx, name: string) => {
          const s = schedules(ctx);
          const schedule = verb === 'pause' ? await s.pause(name) : await s.resume(name);
          ctx.out.data(scheduleToJson(schedule, ctx.out));
          ctx.out.line(`schedule ${name} ${verb === 'pause' ? 'paused' : `resumed; next run ${schedule.nextRunAt ? formatInZone(schedule.nextRunAt, schedule.timezone) : '-'}`}`);
        }),
      );
  }
}
