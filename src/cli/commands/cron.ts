import { Option, type Command } from 'commander';
import { ScheduleExistsError, ScheduleNotFoundError } from '../../core/errors.js';
import { MISFIRE_POLICIES, OVERLAP_POLICIES } from '../../core/schedule-policies.js';
import type { Schedule, Schedules } from '../../core/schedules.js';
import { action, type CliContext } from '../context.js';
import { applyPatch, patchFrom, specFrom, type CronAddFlags } from '../cron-flags.js';
import { UsageError } from '../errors.js';
import { examples } from '../help.js';
import { duration, wholeNumber } from '../parse.js';

function choice<T extends string>(flags: string, what: string, values: readonly T[]): Option {
  return new Option(flags, what).choices(values as readonly string[]);
}

// Loaded when a cron command runs: they bring the cron parser and the Redis client.
const schedules = async (ctx: CliContext): Promise<Schedules> => new (await import('../../core/schedules.js')).Schedules(ctx.queue());
const view = async (): Promise<typeof import('../schedule-view.js') & Pick<typeof import('../../core/cron-time.js'), 'formatInZone'>> => {
  const [shown, { formatInZone }] = await Promise.all([import('../schedule-view.js'), import('../../core/cron-time.js')]);
  return { ...shown, formatInZone };
};

/** Adds a schedule; with `--update` an existing one gets only the given fields changed. */
async function save(ctx: CliContext, name: string, flags: CronAddFlags): Promise<Schedule> {
  const patch = await patchFrom(flags);
  if (flags.update) {
    try {
      return await (await schedules(ctx)).update(name, (current) => applyPatch(patch, current));
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  }
  const spec = specFrom(patch);
  try {
    return await (await schedules(ctx)).add(name, spec);
  } catch (error) {
    if (error instanceof ScheduleExistsError) {
      throw new UsageError(`schedule "${name}" already exists; pass --update to change it (nothing was changed)`);
    }
    throw error;
  }
}

/** `jobs cron add|list|show|remove|trigger|pause|resume`: cron schedules of a queue. */
export function registerCronCommands(program: Command): void {
  const cron = program
    .command('cron')
    .description('cron schedules: every running worker fires them, exactly one job per tick')
    .addHelpText('after', examples("jobs cron add nightly --schedule '0 3 * * *' --tz Europe/Berlin --type report", 'jobs cron list', 'jobs cron show nightly --json'));

  cron
    .command('add <name>')
    .description('add a schedule (refused if the name exists, unless --update, which changes only the fields given)')
    .option('--schedule <expr>', 'cron expression: 5 fields, or 6 with seconds first, or @hourly/@daily/... (required for a new schedule)')
    .option('--type <type>', 'job type to enqueue (required for a new schedule)')
    .option('--payload <file>', 'job payload from a JSON file (- for stdin)')
    .option('--data <json>', 'job payload as inline JSON')
    .addOption(new Option('--tz <zone>', 'IANA time zone the expression is read in').default(undefined, 'UTC'))
    .addOption(choice('--overlap <policy>', 'while the previous run is not finished: allow (default), skip, queue-one', OVERLAP_POLICIES))
    .addOption(choice('--misfire <policy>', 'ticks missed while no worker ran: run-once (default), skip, run-all', MISFIRE_POLICIES))
    .option('--max-attempts <n>', 'attempts per job (default 3)', wholeNumber(1))
    .option('--timeout <duration>', 'per-attempt time limit (e.g. 30s, 1h30m)', duration)
    .option('--priority <n>', 'job priority 0..1000 (default 0)', wholeNumber(0))
    .option('--paused', 'add it paused')
    .option('--update', 'if the name exists, change only the fields given and keep the rest (zone, policies, payload, options)')
    .addHelpText(
      'after',
      examples(
        "jobs cron add cleanup --schedule '*/15 * * * *' --type cleanup --overlap skip",
        'jobs cron add report --schedule \'0 9 * * 1-5\' --tz America/New_York --type report --data \'{"to":"ops"}\'',
        "jobs cron add report --schedule '0 10 * * 1-5' --update      # keeps zone, payload and policies",
      ),
    )
    .action(
      action(async (ctx, name: string, flags: CronAddFlags) => {
        const v = await view();
        const saved = await save(ctx, name, flags);
        ctx.out.data(v.scheduleToJson(saved, ctx.out));
        const next = saved.nextRunAt ? `next run ${v.formatInZone(saved.nextRunAt, saved.timezone)}` : 'paused';
        ctx.out.line(`schedule ${saved.name} saved: ${saved.cron} (${saved.timezone}) -> ${saved.type}; ${next}`);
      }),
    );

  cron
    .command('list')
    .alias('ls')
    .description("schedules with their next run, in the schedule's zone and in local time")
    .option('-q, --quiet', 'print only the names, one per line')
    .addHelpText('after', examples('jobs cron list', 'jobs cron list --json', 'jobs cron list -q | xargs -n1 jobs cron pause'))
    .action(
      action(async (ctx) => {
        const v = await view();
        const list = await (await schedules(ctx)).list();
        if (ctx.out.ids(list.map((s) => s.name))) return;
        ctx.out.data(list.map((schedule) => v.scheduleToJson(schedule, ctx.out)));
        if (list.length === 0) return ctx.out.line('no schedules');
        v.printScheduleTable(ctx.out, list);
      }),
    );

  cron
    .command('show <name>')
    .description('one schedule with its recent fires (newest first)')
    .option('--limit <n>', 'history entries', wholeNumber(1), 20)
    .addHelpText('after', examples('jobs cron show nightly', 'jobs cron show nightly --limit 5 --json'))
    .action(
      action(async (ctx, name: string, opts: { limit: number }) => {
        const v = await view();
        const s = await schedules(ctx);
        const schedule = await s.get(name);
        const history = await s.history(name, opts.limit);
        ctx.out.data({ ...v.scheduleToJson(schedule, ctx.out), history: history.map(v.fireToJson) });
        v.printSchedule(ctx.out, schedule);
        if (history.length === 0) return ctx.out.line('\nno fires yet');
        ctx.out.line();
        v.printHistory(ctx.out, history);
      }),
    );

  cron
    .command('remove <name>')
    .alias('rm')
    .description('delete a schedule and its history (jobs it created stay); asks first on a terminal')
    .option('-y, --yes', 'do not ask for confirmation (needed when not on a terminal)')
    .addHelpText('after', examples('jobs cron remove nightly', 'jobs cron remove nightly --yes --json'))
    .action(
      action(async (ctx, name: string, opts: { yes?: boolean }) => {
        const s = await schedules(ctx);
        await s.get(name);
        await ctx.confirm(`Remove schedule "${name}"?`, opts.yes);
        await s.remove(name);
        ctx.out.data({ name, removed: true });
        ctx.out.line(`schedule ${name} removed`);
      }),
    );

  cron
    .command('trigger <name>')
    .description("enqueue the schedule's job now (policies and pause do not apply; the next run is unchanged)")
    .addHelpText('after', examples('jobs cron trigger nightly', 'jobs cron trigger nightly --json'))
    .action(
      action(async (ctx, name: string) => {
        const { jobId, at } = await (await schedules(ctx)).trigger(name);
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
      .addHelpText('after', examples(`jobs cron ${verb} nightly`, `jobs cron ${verb} nightly --json`))
      .action(
        action(async (ctx, name: string) => {
          const v = await view();
          const s = await schedules(ctx);
          const schedule = verb === 'pause' ? await s.pause(name) : await s.resume(name);
          ctx.out.data(v.scheduleToJson(schedule, ctx.out));
          ctx.out.line(`schedule ${name} ${verb === 'pause' ? 'paused' : `resumed; next run ${schedule.nextRunAt ? v.formatInZone(schedule.nextRunAt, schedule.timezone) : '-'}`}`);
        }),
      );
  }
}
