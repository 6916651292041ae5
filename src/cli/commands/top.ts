import { Option, type Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import { action, type CliContext } from '../context.js';
import { colorEnabled, makeChalk } from '../output.js';
import { duration } from '../parse.js';
import type { TopSampler, TopSnapshot } from '../top-data.js';
import { workerToJson } from './workers.js';

const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l';
const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';
const HOME = '\x1b[H';
const CLEAR_LINE_END = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';

/** Keys as raw terminal input: q and Ctrl-C quit; arrows and tab move between queues. */
const KEYS: Record<string, 'quit' | 'next' | 'previous'> = {
  q: 'quit',
  Q: 'quit',
  '\x03': 'quit',
  '\t': 'next',
  '\x1b[C': 'next',
  '\x1b[B': 'next',
  '\x1b[Z': 'previous',
  '\x1b[D': 'previous',
  '\x1b[A': 'previous',
};

/** What `jobs top --json` (or a non-terminal run) prints once. */
function snapshotJson(snapshot: TopSnapshot): unknown {
  return {
    time: snapshot.time.toISOString(),
    queues: snapshot.queues.map((q) => ({
      name: q.name,
      paused: q.paused,
      counts: q.counts,
      dlq: q.counts.failed,
      finishedPerSecond: lastMinuteRate(q.outHistory),
      p50Ms: q.runTimes.p50Ms,
      p95Ms: q.runTimes.p95Ms,
      oldestPendingAgeMs: q.oldestPendingAgeMs,
    })),
    workers: snapshot.workers.map((w) => workerToJson(w, snapshot.time.getTime())),
  };
}

/** Jobs finished per second over the last minute, from the 5 s buckets of the history. */
function lastMinuteRate(history: readonly number[]): number {
  const lastMinute = history.slice(-12);
  return Math.round((lastMinute.reduce((sum, v) => sum + v, 0) / Math.max(1, lastMinute.length)) * 100) / 100;
}

/** One plain snapshot, like `jobs stats`, for pipes and scripts. */
function printSnapshot(ctx: CliContext, snapshot: TopSnapshot): void {
  const { out } = ctx;
  if (out.json) return out.data(snapshotJson(snapshot));
  if (snapshot.queues.length === 0) out.line(`no queues under prefix "${ctx.config.prefix}" yet`);
  else {
    out.table(
      ['queue', 'pending', 'scheduled', 'running', 'retrying', 'failed (dlq)', 'success', 'jobs/s (1m)', 'p50', 'p95', 'oldest pending'],
      snapshot.queues.map((q) => [
        q.paused ? `${q.name} (paused)` : q.name,
        q.counts.pending,
        q.counts.scheduled,
        q.counts.running,
        q.counts.retrying,
        q.counts.failed > 0 ? out.color.red(String(q.counts.failed)) : 0,
        q.counts.success,
        lastMinuteRate(q.outHistory).toFixed(2),
        q.runTimes.p50Ms === null ? '-' : formatDuration(q.runTimes.p50Ms),
        q.runTimes.p95Ms === null ? '-' : formatDuration(q.runTimes.p95Ms),
        q.oldestPendingAgeMs > 0 ? formatDuration(q.oldestPendingAgeMs) : '-',
      ]),
    );
  }
  out.line(`${snapshot.workers.length} live worker${snapshot.workers.length === 1 ? '' : 's'}`);
  for (const w of snapshot.workers) out.line(`  ${w.queue}  ${w.host} pid ${w.pid}  busy ${w.busy}/${w.concurrency}`);
}

/** The full-screen view: redraws every `intervalMs` until q, Ctrl-C or a signal. */
async function runInteractive(ctx: CliContext, sampler: TopSampler, intervalMs: number): Promise<void> {
  const stdout = process.stdout;
  const stdin = process.stdin;
  const [{ redactUrl }, { renderTop }] = await Promise.all([import('../../core/connection.js'), import('../top-view.js')]);
  const color = makeChalk(colorEnabled(stdout));
  const source = `${redactUrl(ctx.config.redis)} prefix ${ctx.config.prefix}`;
  let selectedName: string | undefined = ctx.config.queue;
  let last: TopSnapshot | undefined;
  let error: string | undefined;
  let quit: () => void = () => undefined;
  const quitting = new Promise<void>((resolve) => (quit = resolve));
  let wake: () => void = () => undefined;

  const draw = (): void => {
    if (!last) return;
    const names = last.queues.map((q) => q.name);
    const selected = Math.max(0, selectedName === undefined ? 0 : names.indexOf(selectedName));
    const lines = renderTop(last, { width: stdout.columns || 100, height: (stdout.rows || 40) - 1, color, selected, source });
    if (error) lines.push(color.red(`Redis: ${error}; showing the last good sample`));
    stdout.write(`${HOME}${lines.map((line) => `${line}${CLEAR_LINE_END}`).join('\n')}\n${CLEAR_BELOW}`);
  };
  const move = (step: number): void => {
    const names = last?.queues.map((q) => q.name) ?? [];
    if (names.length === 0) return;
    const at = Math.max(0, selectedName === undefined ? 0 : names.indexOf(selectedName));
    selectedName = names[(at + step + names.length) % names.length];
    draw();
    wake();
  };
  const onKey = (data: Buffer): void => {
    const key = KEYS[data.toString('utf8')];
    if (key === 'quit') quit();
    else if (key === 'next') move(1);
    else if (key === 'previous') move(-1);
  };

  stdout.write(ENTER_SCREEN);
  stdin.setRawMode?.(true);
  stdin.resume();
  stdin.on('data', onKey);
  stdout.on('resize', draw);
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
  try {
    let stopped = false;
    void quitting.then(() => {
      stopped = true;
      wake();
    });
    while (!stopped) {
      try {
        last = await sampler.sample(selectedName);
        error = undefined;
      } catch (caught) {
        error = caught instanceof Error ? caught.message : String(caught);
      }
      draw();
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, intervalMs);
      });
      clearTimeout(timer);
    }
  } finally {
    stdin.off('data', onKey);
    stdout.off('resize', draw);
    process.off('SIGINT', quit);
    process.off('SIGTERM', quit);
    stdin.setRawMode?.(false);
    stdin.pause();
    stdout.write(LEAVE_SCREEN);
  }
}

/** `jobs top`: a live full-screen view of queues, workers and running jobs. */
export function registerTopCommand(program: Command): void {
  program
    .command('top')
    .description('live view of every queue: counts, jobs/s in and out, p50/p95 run time, DLQ, workers, running jobs')
    .addOption(new Option('--interval <duration>', 'time between refreshes').argParser(duration).default(1000, '1s'))
    .addHelpText(
      'after',
      [
        '',
        'Keys: q quits; ←/→, ↑/↓ or tab/shift-tab choose the queue whose rates and running jobs are shown.',
        'Not on a terminal (or with --json) it prints one snapshot and exits.',
        '',
        'Examples:',
        '  jobs top',
        '  jobs top --queue emails --interval 2s',
        '  jobs top --json | jq \'.queues[] | select(.dlq > 0) | .name\'',
      ].join('\n'),
    )
    .action(
      action(async (ctx, flags: { interval: number }) => {
        const [{ createRedis, ensureConnected }, { TopSampler }] = await Promise.all([import('../../core/connection.js'), import('../top-data.js')]);
        const redis = createRedis({ url: ctx.config.redis, role: 'client' });
        try {
          await ensureConnected(redis, ctx.config.redis);
          const sampler = new TopSampler(redis, ctx.config.prefix);
          const interactive = !ctx.out.json && Boolean(process.stdout.isTTY) && Boolean(process.stdin.isTTY);
          if (!interactive) return printSnapshot(ctx, await sampler.sample(ctx.config.queue));
          await runInteractive(ctx, sampler, Math.max(100, flags.interval));
        } finally {
          redis.disconnect();
        }
      }),
    );
}
