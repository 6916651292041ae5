import { Option, type Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import type { QueueOverview } from '../../core/queues.js';
import { action, type CliContext } from '../context.js';
import { examples } from '../help.js';
import { duration } from '../parse.js';
import { COUNT_COLUMNS, countCells, queueLabel, withRegistry } from './queues.js';

interface StatsFlags {
  watch?: boolean;
  interval: number;
}

/** What `jobs stats --json` prints (one object; with --watch one per line). */
function statsJson(queues: QueueOverview[]): { time: string; queues: QueueOverview[] } {
  return { time: new Date().toISOString(), queues };
}

/** Draws one snapshot; `refreshMs` is set while watching. */
function render(ctx: CliContext, queues: QueueOverview[], refreshMs?: number): void {
  const watching = refreshMs !== undefined;
  const { out } = ctx;
  if (out.json) {
    if (watching) out.jsonLine(statsJson(queues));
    else out.data(statsJson(queues));
    return;
  }
  // In a terminal, redraw in place; piped output gets one snapshot after another.
  if (watching && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
  if (queues.length === 0) {
    out.line(`no queues under prefix "${ctx.config.prefix}" yet (a queue appears on its first enqueue)`);
  } else {
    out.table(
      ['queue', ...COUNT_COLUMNS, 'jobs/s (1m)'],
      queues.map((q) => [queueLabel(out, q), ...countCells(out, q), q.throughput.jobsPerSecond.toFixed(2)]),
    );
  }
  if (watching) out.line(out.color.gray(`${new Date().toISOString()}  refreshing every ${formatDuration(refreshMs)}; Ctrl-C to stop`));
}

/** Refreshes until SIGINT/SIGTERM, which end the command with exit 0. */
async function watch(ctx: CliContext, interval: number): Promise<void> {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let running = true;
  const onSignal = (): void => {
    running = false;
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await withRegistry(ctx, async (registry) => {
      while (running) {
        render(ctx, await registry.overview(), interval);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([stopped, new Promise((resolve) => (timer = setTimeout(resolve, interval)))]);
        clearTimeout(timer);
      }
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `jobs stats [--watch]`: counts per state per queue and jobs/s over the last minute. */
export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description('counts per state for every queue, and jobs finished per second over the last minute')
    .option('--watch', 'refresh until Ctrl-C (in place on a terminal; one JSON object per line with --json)')
    .addOption(new Option('--interval <duration>', 'with --watch: time between refreshes').argParser(duration).default(2000, '2s'))
    .addHelpText('after', examples('jobs stats', 'jobs stats --watch --interval 1s', "jobs stats --json | jq '.queues[].counts.failed'"))
    .action(
      action(async (ctx, flags: StatsFlags) => {
        if (flags.watch) return watch(ctx, Math.max(flags.interval, 100));
        render(ctx, await withRegistry(ctx, (registry) => registry.overview()));
      }),
    );
}
