import type { Command } from 'commander';
import { QueueRegistry, type QueueOverview } from '../../core/queues.js';
import { action, type CliContext } from '../context.js';
import type { Output } from '../output.js';

/** Opens the registry of the configured prefix for the length of `use`. */
export async function withRegistry<T>(ctx: CliContext, use: (registry: QueueRegistry) => Promise<T>): Promise<T> {
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

/** `jobs queues`, `jobs queue pause|resume <name>`. */
export function registerQueueCommands(program: Command): void {
  program
    .command('queues')
    .description('every queue of the prefix with its counts per state')
    .addHelpText('after', '\nExamples:\n  jobs queues\n  jobs queues --json | jq \'.[] | select(.counts.failed > 0) | .name\'')
    .action(
      action(async (ctx) => {
        const queues = await withRegistry(ctx, (registry) => registry.overview());
        ctx.out.data(queues.map(queueToJson));
        if (queues.length === 0) return ctx.out.line(`no queues under prefix "${ctx.config.prefix}" yet (a queue appears on its first enqueue)`);
        ctx.out.table(['queue', ...COUNT_COLUMNS], queues.map((q) => [queueLabel(ctx.out, q), ...countCells(ctx.out, q)]));
      }),
    );

  const queue = program.command('queue').description('pause or resume a queue');

  queue
    .command('pause <name>')
    .description('workers stop claiming jobs of the queue; running jobs finish')
    .addHelpText('after', '\nExample:\n  jobs queue pause emails')
    .action(
      action(async (ctx, name: string) => {
        const known = await withRegistry(ctx, (registry) => registry.has(name));
        await ctx.queue(name).pause();
        if (!known) ctx.out.note(`note: queue "${name}" had no jobs yet; paused it anyway`);
        ctx.out.data({ name, paused: true });
        ctx.out.line(`queue "${name}" paused`);
      }),
    );

  queue
    .command('resume <name>')
    .description('let workers claim jobs of the queue again')
    .addHelpText('after', '\nExample:\n  jobs queue resume emails')
    .action(
      action(async (ctx, name: string) => {
        await ctx.queue(name).resume();
        ctx.out.data({ name, paused: false });
        ctx.out.line(`queue "${name}" resumed`);
      }),
    );
}
