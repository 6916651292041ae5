import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import type { HandlerMap, JobHandler } from '../../core/handler.js';
import type { AttemptReport } from '../../core/job-runner.js';
import { Worker } from '../../core/worker.js';
import { builtinHandlers } from '../../handlers/index.js';
import { action, type CliContext } from '../context.js';
import { EXIT, UsageError } from '../errors.js';
import type { Output } from '../output.js';
import { duration, wholeNumber } from '../parse.js';
import { plural } from '../text.js';

interface WorkerFlags {
  concurrency: number;
  handlers?: string;
  queues?: string[];
  drain?: boolean;
  maxJobs?: number;
  shutdownTimeout: number;
  allowExec?: boolean;
  execAllow?: string[];
  /** false with --no-schedules */
  schedules: boolean;
}

function commaList(value: string): string[] {
  const items = [...new Set(value.split(',').map((item) => item.trim()).filter((item) => item !== ''))];
  if (items.length === 0) throw new InvalidArgumentError(`expected a comma-separated list, got "${value}"`);
  return items;
}

function isHandlerMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Loads the user's handlers: the module's default export or its `handlers` export. */
export async function loadHandlerModule(path: string, cwd = process.cwd()): Promise<HandlerMap> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new UsageError(`handlers module ${path} not found (looked at ${file})`);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`handlers module ${path} failed to load: ${(error as Error).message}`);
  }
  // A CommonJS module.exports = { handlers } arrives as default.handlers.
  const fromDefault = isHandlerMap(loaded.default) && isHandlerMap(loaded.default.handlers) ? loaded.default.handlers : loaded.default;
  const candidate = loaded.handlers ?? fromDefault;
  if (!isHandlerMap(candidate)) {
    throw new UsageError(`handlers module ${path} must export default (or export "handlers") an object mapping job type to a function`);
  }
  const handlers: HandlerMap = {};
  for (const [type, handler] of Object.entries(candidate)) {
    if (typeof handler !== 'function') throw new UsageError(`handlers module ${path}: "${type}" is not a function`);
    handlers[type] = handler as JobHandler;
  }
  return handlers;
}

/** Logs each attempt and keeps the counts for the summary. */
class AttemptLog {
  readonly counts: Record<AttemptReport['status'], number> = { success: 0, retrying: 0, failed: 0, cancelled: 0, returned: 0 };
  private readonly startedAt = Date.now();

  constructor(private readonly out: Output) {}

  record(queue: string, report: AttemptReport): void {
    this.counts[report.status] += 1;
    const durationMs = Math.round(report.durationMs);
    if (this.out.json) {
      this.out.jsonLine({ event: 'attempt', time: new Date().toISOString(), queue, ...report, durationMs });
      return;
    }
    const error = report.error ? `: ${report.error}` : '';
    this.out.line(
      `${new Date().toISOString()} ${queue} ${report.id} ${report.type} ${this.out.state(report.status)} ` +
        `attempt ${report.attempt} ${formatDuration(durationMs)}${error}`,
    );
  }

  summary(reason: 'signal' | 'done'): void {
    const elapsedMs = Date.now() - this.startedAt;
    const attempts = Object.values(this.counts).reduce((sum, n) => sum + n, 0);
    if (this.out.json) {
      this.out.jsonLine({ event: 'summary', reason, attempts, ...this.counts, elapsedMs });
      return;
    }
    const parts = Object.entries(this.counts).map(([status, n]) => `${n} ${status}`);
    this.out.line(`worker stopped after ${formatDuration(elapsedMs)}: ${plural(attempts, 'attempt')} (${parts.join(', ')})`);
  }
}

async function runWorkers(ctx: CliContext, flags: WorkerFlags): Promise<void> {
  if (flags.execAllow && !flags.allowExec) throw new UsageError('--exec-allow only applies with --allow-exec; add --allow-exec');
  const queues = flags.queues ?? [ctx.config.queue];
  const builtin = builtinHandlers({
    ...(flags.allowExec ? { allowExec: true } : {}),
    ...(flags.execAllow ? { execAllow: flags.execAllow } : {}),
  });
  const user = flags.handlers === undefined ? {} : await loadHandlerModule(flags.handlers);
  const handlers: HandlerMap = { ...builtin, ...user };
  if (Object.keys(handlers).length === 0) throw new UsageError('no handlers to run: pass --handlers <module>');

  const log = new AttemptLog(ctx.out);
  const workers = queues.map(
    (name) =>
      new Worker(name, {
        connection: ctx.config.redis,
        prefix: ctx.config.prefix,
        handlers,
        concurrency: flags.concurrency,
        exitWhenDrained: Boolean(flags.drain),
        schedules: flags.schedules,
        ...(flags.maxJobs === undefined ? {} : { maxJobs: flags.maxJobs }),
        onAttempt: (report) => log.record(name, report),
        onWarning: (message) => ctx.out.note(`jobs worker: warning (queue ${name}): ${message}`),
      }),
  );
  const closeAll = (): Promise<unknown> => Promise.all(workers.map((worker) => worker.close(flags.shutdownTimeout)));

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const running = workers.reduce((sum, worker) => sum + worker.busy, 0);
    if (!signalled) {
      signalled = true;
      ctx.out.note(
        `jobs worker: ${signal}, shutting down: waiting up to ${formatDuration(flags.shutdownTimeout)} for ${plural(running, 'running job')}` +
          ' (Ctrl-C again to force)',
      );
      void closeAll();
    } else if (signal === 'SIGINT') {
      ctx.out.note(`jobs worker: forced exit; ${plural(running, 'running job')} return to the queue when their lease expires`);
      process.exit(EXIT.failed);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    try {
      await Promise.all(workers.map((worker) => worker.start()));
    } catch (error) {
      await closeAll();
      throw error;
    }
    const types = Object.keys(handlers).sort();
    if (ctx.out.json) {
      ctx.out.jsonLine({ event: 'started', queues, concurrency: flags.concurrency, handlers: types, pid: process.pid });
    } else {
      ctx.out.line(`worker on ${queues.join(', ')} (concurrency ${flags.concurrency}), handlers: ${types.join(', ')}; Ctrl-C to stop`);
    }
    await Promise.all(workers.map((worker) => worker.done));
    log.summary(signalled ? 'signal' : 'done');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Everything is recorded in Redis by now; a timer left by a handler module or a library
    // must not keep the process alive, so exit shortly with the code run() reports.
    setTimeout(() => process.exit(), 200).unref();
  }
}

/** `jobs worker`: runs handlers for the jobs of one or more queues. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run jobs: built-in handlers plus those of --handlers, one worker per queue')
    .option('--concurrency <n>', 'jobs run at once per queue', wholeNumber(1), 1)
    .option('--handlers <module>', 'JS module (path from the working directory) whose default export maps job type to handler')
    .option('--queues <a,b>', 'queues to work on (default: the --queue setting)', commaList)
    .option('--drain', 'exit 0 once no job is pending and due, running or retrying')
    .option('--max-jobs <n>', 'stop after claiming this many jobs per queue', wholeNumber(1))
    .option('--shutdown-timeout <duration>', 'on SIGINT/SIGTERM, wait this long for running jobs', duration, 30_000)
    .option('--allow-exec', 'enable the built-in exec handler (runs commands; off by default)')
    .option('--exec-allow <cmd,...>', 'with --allow-exec: only these commands may run', commaList)
    .option('--no-schedules', 'do not take part in firing cron schedules')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  jobs worker --handlers ./handlers.js --concurrency 8',
        '  jobs worker --queues emails,webhooks --shutdown-timeout 1m',
        '  jobs worker --handlers ./handlers.js --drain --json   # CI: run the queue to completion',
        '  jobs worker --allow-exec --exec-allow convert,ffmpeg',
        '',
        'handlers.js:',
        '  export default { "resize": async (payload, ctx) => ({ ok: true }) };',
        '',
        'SIGINT/SIGTERM stop claiming and let running jobs finish (up to --shutdown-timeout),',
        'then hand unfinished jobs back; a second SIGINT exits at once.',
      ].join('\n'),
    )
    .action(action(runWorkers));
}
