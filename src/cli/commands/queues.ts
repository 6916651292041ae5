import type { Command } from 'commander';
import type { QueueOverview, QueueRegistry } from '../../core/queues.js';
import { JobsError, QueueBusyError } from '../../core/errors.js';
import { action, type CliContext } from '../context.js';
import { examples } from '../help.js';
import type { Output } from '../output.js';
import { plural } from '../text.js';

/** Opens the registry of the configured prefix for the length of `use`. */
export async function withRegistry<T>(ctx: CliContext, use: (registry: QueueRegistry) => Promise<T>): Promise<T> {
  const { QueueRegistry } = await import('../../core/queues.js');
  const registry = new QueueRegistry({ connection: ctx.config.redis, prefix: ctx.config.prefix });
  try {
    return await use(registry);
  } finally {
    await registry.close();
  }
}

/** A queue as `jobs queues --json` shows it. */
export function queueToJson(queue: QueueOverview): { name: string; paused: boolean; counts: QueueOverview['counts'] } {
  return { name: queue.name, paused: queue.paused, counts: queue.counts };
}

export const COUNT_COLUMNS = ['pending', 'scheduled', 'running', 'retrying', 'success', 'failed', 'cancelled'] as const;

/** The counts of a queue as table cells, coloured like the states they count. */
export function countCells(out: Output, queue: QueueOverview): string[] {
  const c = out.color;
  const paint: Partial<Record<(typeof COUNT_COLUMNS)[number], (text: string) => string>> = {
    running: c.cyan,
    retrying: c.yellow,
    success: c.green,
    failed: c.red,
  };
  return COUNT_COLUMNS.map((state) => {
    const n = queue.counts[state];
    if (n === 0) return c.gray('0');
    return (paint[state] ?? String)(String(n));
  });
}

export function queueLabel(out: Output, queue: QueueOverview): string {
  return queue.paused ? `${queue.name} ${out.color.yellow('(paused)')}` : queue.name;
}

/** Refuses a queue the prefix does not know (exit 3), unless `create`. */
async function requireQueue(ctx: CliContext, name: string, create: boolean | undefined): Promise<void> {
  const known = await withRegistry(ctx, (registry) => registry.has(name));
  if (!known && !create) {
    throw new JobsError('NOT_FOUND', `queue "${name}" not found under prefix "${ctx.config.prefix}" (see jobs queues); pass --create to set it up anyway`);
  }
}

/** `jobs queues`, `jobs queue pause|resume|delete <name>`. */
export function registerQueueCommands(program: Command): void {
  program
    .command('queues')
    .description('every queue of the prefix with its counts per state')
    .option('-q, --quiet', 'print only the queue names, one per line')
    .addHelpText('after', examples('jobs queues', "jobs queues --json | jq '.[] | select(.counts.failed > 0) | .name'", 'jobs queues -q'))
    .action(
      action(async (ctx) => {
        const queues = await withRegistry(ctx, (registry) => registry.overview());
        if (ctx.out.ids(queues.map((q) => q.name))) return;
        ctx.out.data(queues.map(queueToJson));
        if (queues.length === 0) return ctx.out.line(`no queues under prefix "${ctx.config.prefix}" yet (a queue appears on its first enqueue)`);
        ctx.out.table(['queue', ...COUNT_COLUMNS], queues.map((q) => [queueLabel(ctx.out, q), ...countCells(ctx.out, q)]));
      }),
    );

  const queue = program
    .command('queue')
    .description('pause, resume or delete a queue')
    .addHelpText('after', examples('jobs queue pause emails', 'jobs queue resume emails', 'jobs queue delete old-emails --yes'));

  for (const [verb, description, paused] of [
    ['pause', 'workers stop claiming jobs of the queue; running jobs finish', true],
    ['resume', 'let workers claim jobs of the queue again', false],
  ] as const) {
    queue
      .command(`${verb} <name>`)
      .description(`${description} (an unknown queue exits 3 unless --create)`)
      .option('--create', 'set up the queue even if it has never been used')
      .addHelpText('after', examples(`jobs queue ${verb} emails`, `jobs queue ${verb} new-queue --create --json`))
      .action(
        action(async (ctx, name: string, flags: { create?: boolean }) => {
          const target = ctx.queue(name);
          await requireQueue(ctx, target.name, flags.create);
          if (paused) await target.pause();
          else await target.resume();
          ctx.out.data({ name, paused });
          ctx.out.line(`queue "${name}" ${paused ? 'paused' : 'resumed'}`);
        }),
      );
  }

  queue
    .command('delete <name>')
    .description('delete a queue and all its jobs, schedules and events; refused while jobs are pending, scheduled, running or retrying or workers are attached, unless --force')
    .option('--force', 'delete even with jobs waiting or running, or workers attached (stop the workers first)')
    .option('-y, --yes', 'do not ask for confirmation (needed when not on a terminal)')
    .addHelpText('after', examples('jobs queue delete old-emails', 'jobs queue delete old-emails --force --yes --json'))
    .action(
      action(async (ctx, name: string, flags: { force?: boolean; yes?: boolean }) => {
        const target = ctx.queue(name);
        await requireQueue(ctx, target.name, false);
        const { busyReason } = await import('../../core/queue-delete.js');
        const busy = flags.force ? undefined : await busyReason(target.handle);
        if (busy !== undefined) throw new QueueBusyError(name, `${busy}; pass --force to delete it anyway`);
        const counts = await target.counts();
        const jobs = counts.pending + counts.scheduled + counts.running + counts.retrying + counts.success + counts.failed + counts.cancelled;
        await ctx.confirm(`Delete queue "${name}" with its ${plural(jobs, 'job')} for good?`, flags.yes);
        const keys = await withRegistry(ctx, (registry) => registry.delete(name, { force: Boolean(flags.force) }));
        ctx.out.data({ name, deleted: true, keys });
        ctx.out.line(`queue "${name}" deleted (${plural(keys, 'key')})`);
      }),
    );
}
