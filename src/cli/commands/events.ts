import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_EVENTS_CAP, EVENT_NAMES, type EventName, type JobEvent } from '../../core/events.js';
import { parseDuration } from '../../core/duration.js';
import { tailEvents } from '../../observability/event-tail.js';
import { action, type CliContext } from '../context.js';
import { examples } from '../help.js';
import type { Output } from '../output.js';
import { wholeNumber } from '../parse.js';

interface EventsFlags {
  follow?: boolean;
  type?: string;
  event?: EventName[];
  since?: number;
}

/** An event as `jobs events --json` prints it: one object per line (NDJSON). */
export interface EventJson {
  time: string;
  event: EventName;
  queue: string;
  jobId: string;
  type: string | null;
  attempt: number | null;
  error: string | null;
  dueAt: string | null;
  streamId: string;
}

export function eventToJson(e: JobEvent): EventJson {
  return {
    time: e.time.toISOString(),
    event: e.event,
    queue: e.queue,
    jobId: e.jobId,
    type: e.type,
    attempt: e.attempt,
    error: e.error,
    dueAt: e.dueAt ? e.dueAt.toISOString() : null,
    streamId: e.streamId,
  };
}

/** `--since 10m` (that long ago) or an ISO time; resolves to epoch ms. */
function sinceTime(value: string): number {
  const asDate = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : NaN;
  if (Number.isFinite(asDate)) return asDate;
  try {
    return Date.now() - parseDuration(value, '--since');
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}, or an ISO time such as 2024-05-01T12:00:00Z`);
  }
}

function eventNames(value: string): EventName[] {
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of names) {
    if (!(EVENT_NAMES as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`unknown event "${name}"; use one of ${EVENT_NAMES.join(', ')}`);
    }
  }
  return names as EventName[];
}

function printEvent(out: Output, e: JobEvent): void {
  if (out.json) return out.jsonLine(eventToJson(e));
  const c = out.color;
  const paint: Partial<Record<EventName, (text: string) => string>> = {
    succeeded: c.green,
    failed: c.red,
    'dead-lettered': c.red.bold,
    retrying: c.yellow,
    stalled: c.magenta,
    started: c.cyan,
    cancelled: c.gray,
  };
  const parts = [
    c.gray(e.time.toISOString()),
    (paint[e.event] ?? String)(e.event.padEnd(13)),
    `job ${e.jobId}`,
    e.type ?? '',
    e.attempt === null ? '' : `attempt ${e.attempt}`,
    e.dueAt ? `due ${e.dueAt.toISOString()}` : '',
    e.error ? c.red(e.error) : '',
  ];
  out.line(parts.filter((part) => part !== '').join('  '));
}

async function printEvents(ctx: CliContext, flags: EventsFlags): Promise<void> {
  const queue = ctx.queue();
  if (!(await queue.events.enabled())) {
    // Stored events are still printed: they stay until trimmed.
    ctx.out.note(`jobs events: events are off for queue "${queue.name}"; turn them on with: jobs events enable --queue ${queue.name}`);
  }
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const wanted = (e: JobEvent): boolean =>
    (flags.type === undefined || e.type === flags.type) && (flags.event === undefined || flags.event.includes(e.event));
  try {
    const events = tailEvents(queue, {
      ...(flags.since === undefined ? {} : { sinceMs: flags.since }),
      follow: Boolean(flags.follow),
      signal: controller.signal,
      // On stderr, so scripts can wait for it before producing the events they expect.
      onReady: () => {
        if (flags.follow) ctx.out.note(`jobs events: following queue "${queue.name}"; Ctrl-C to stop`);
      },
    });
    for await (const event of events) if (wanted(event)) printEvent(ctx.out, event);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** `jobs events`, `jobs events enable|disable|status`: the queue's event stream. */
export function registerEventsCommands(program: Command): void {
  const events = program
    .command('events')
    .description('print the state changes of the queue\'s jobs (a line each, NDJSON with --json); --follow streams them live')
    .option('-f, --follow', 'keep printing new events until Ctrl-C (like tail -f)')
    .option('--type <type>', 'only events of jobs of this type')
    .option('--event <names>', `only these events, comma-separated: ${EVENT_NAMES.join(', ')}`, eventNames)
    .option('--since <when>', 'stored events from this long ago (10m, 2h) or this ISO time; with --follow, then the live ones', sinceTime)
    .addHelpText(
      'after',
      [
        '',
        'Without --since: all stored events, or with --follow only new ones.',
        'Events are off by default; `jobs events enable` turns them on for the queue.',
        '',
        'Examples:',
        '  jobs events enable --queue emails',
        '  jobs events --queue emails --follow',
        '  jobs events --since 10m --event failed,dead-lettered',
        '  jobs events --follow --json | jq -c \'select(.event == "dead-lettered")\'',
      ].join('\n'),
    )
    .action(action(printEvents));

  events
    .command('enable')
    .description('write the queue\'s state changes to its event stream (capped; costs one stream entry per change)')
    .option('--cap <n>', 'keep about this many of the newest events', wholeNumber(1), DEFAULT_EVENTS_CAP)
    .addHelpText('after', examples('jobs events enable --queue emails --cap 50000', 'jobs events enable --json'))
    .action(
      action(async (ctx, flags: { cap: number }) => {
        const queue = ctx.queue();
        await queue.events.enable(flags.cap);
        ctx.out.data({ queue: queue.name, enabled: true, cap: flags.cap });
        ctx.out.line(`events on for queue "${queue.name}" (keeping about ${flags.cap})`);
      }),
    );

  events
    .command('disable')
    .description('stop writing events for the queue (stored ones stay until trimmed)')
    .addHelpText('after', examples('jobs events disable --queue emails', 'jobs events disable --json'))
    .action(
      action(async (ctx) => {
        const queue = ctx.queue();
        await queue.events.disable();
        ctx.out.data({ queue: queue.name, enabled: false });
        ctx.out.line(`events off for queue "${queue.name}"`);
      }),
    );

  events
    .command('status')
    .description('whether events are on for the queue')
    .addHelpText('after', examples('jobs events status --queue emails', 'jobs events status --json'))
    .action(
      action(async (ctx) => {
        const queue = ctx.queue();
        const enabled = await queue.events.enabled();
        ctx.out.data({ queue: queue.name, enabled });
        ctx.out.line(`events are ${enabled ? 'on' : 'off'} for queue "${queue.name}"`);
      }),
    );
}
