import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_RETENTION, type Retention } from '../../core/handle.js';
import type { HandlerMap, JobHandler } from '../../core/handler.js';
import { Worker } from '../../core/worker.js';
import { builtinHandlers } from '../../handlers/index.js';
import { JobMetrics } from '../../observability/metrics.js';
import { DEFAULT_METRICS_HOST, startMetricsServer, type MetricsServer } from '../../observability/metrics-server.js';
import { action, type CliContext } from '../context.js';
import { EXIT, UsageError } from '../errors.js';
import { duration, wholeNumber } from '../parse.js';
import { logFormat, resolveLogFormat, WorkerLog, type LogFormat } from '../worker-log.js';

interface WorkerFlags {
  concurrency: number;
  handlers?: string;
  queues?: string[];
  drain?: boolean;
  maxJobs?: number;
  prefetch?: number;
  shutdownTimeout: number;
  allowExec?: boolean;
  execAllow?: string[];
  /** false with --no-schedules */
  schedules: boolean;
  metricsPort?: number;
  metricsHost: string;
  keepFinished?: number;
  keepFinishedFor?: number;
  logFormat?: LogFormat;
}

function commaList(value: string): string[] {
  const items = [...new Set(value.split(',').map((item) => item.trim()).filter((item) => item !== ''))];
  if (items.length === 0) throw new InvalidArgumentError(`expected a comma-separated list, got "${value}"`);
  return items;
}

function isHandlerMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isTypeScript = (file: string): boolean => /\.[mc]?ts$/.test(file);

/**
 * This Node cannot import TypeScript by itself (Node 20; 22 without a flag), and no loader was
 * registered: say what works rather than "Unknown file extension".
 */
function typeScriptNotLoadable(path: string): UsageError {
  return new UsageError(
    `handlers module ${path} is TypeScript, which Node ${process.version} does not run by itself: ` +
      'compile it to JavaScript (e.g. with tsc) and pass the .js file, or start the worker with a TypeScript loader, ' +
      `e.g. NODE_OPTIONS='--import tsx' jobsctl worker --handlers ${path}`,
  );
}

/** Loads the user's handlers: the module's default export or its `handlers` export. */
export async function loadHandlerModule(path: string, cwd = process.cwd()): Promise<HandlerMap> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new UsageError(`handlers module ${path} not found (looked at ${file})`);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    if (isTypeScript(file) && (error as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_FILE_EXTENSION') throw typeScriptNotLoadable(path);
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

async function serveMetrics(port: number, host: string, workers: Worker[], metrics: JobMetrics | undefined): Promise<MetricsServer> {
  try {
    return await startMetricsServer({ port, host, workers, ...(metrics ? { metrics } : {}) });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`cannot serve metrics on ${host} port ${port} (${reason}); choose another --metrics-port or --metrics-host`);
  }
}

function retentionOf(flags: WorkerFlags): Partial<Retention> {
  return {
    ...(flags.keepFinished === undefined ? {} : { finishedCount: flags.keepFinished }),
    ...(flags.keepFinishedFor === undefined ? {} : { finishedAgeMs: flags.keepFinishedFor }),
  };
}

async function runWorkers(ctx: CliContext, flags: WorkerFlags): Promise<void> {
  if (flags.execAllow && !flags.allowExec) throw new UsageError('--exec-allow only applies with --allow-exec; add --allow-exec');
  if (flags.metricsHost !== DEFAULT_METRICS_HOST && flags.metricsPort === undefined) {
    throw new UsageError('--metrics-host only applies with --metrics-port; add --metrics-port <port>');
  }
  const queues = flags.queues ?? [ctx.config.queue];
  const builtin = builtinHandlers({
    ...(flags.allowExec ? { allowExec: true } : {}),
    ...(flags.execAllow ? { execAllow: flags.execAllow } : {}),
  });
  const user = flags.handlers === undefined ? {} : await loadHandlerModule(flags.handlers);
  const handlers: HandlerMap = { ...builtin, ...user };
  if (Object.keys(handlers).length === 0) throw new UsageError('no handlers to run: pass --handlers <module>');

  const log = new WorkerLog(resolveLogFormat(flags.logFormat, ctx.out.json));
  const metrics = flags.metricsPort === undefined ? undefined : new JobMetrics();
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
        ...(flags.prefetch === undefined ? {} : { prefetch: flags.prefetch }),
        retention: retentionOf(flags),
        onAttempt: metrics ? metrics.attemptObserver(name, (report) => log.attempt(name, report)) : (report) => log.attempt(name, report),
        onWarning: (message) => log.warning(name, message),
      }),
  );
  const closeAll = (): Promise<unknown> => Promise.all(workers.map((worker) => worker.close(flags.shutdownTimeout)));

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const running = workers.reduce((sum, worker) => sum + worker.busy, 0);
    if (!signalled) {
      signalled = true;
      log.shutdown(signal, running, flags.shutdownTimeout);
      void closeAll();
    } else if (signal === 'SIGINT') {
      log.forcedExit(running);
      process.exit(EXIT.failed);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let metricsServer: MetricsServer | undefined;
  try {
    try {
      await Promise.all(workers.map((worker) => worker.start()));
      for (const worker of workers) log.watchConnection(worker);
      if (flags.metricsPort !== undefined) metricsServer = await serveMetrics(flags.metricsPort, flags.metricsHost, workers, metrics);
    } catch (error) {
      await closeAll();
      throw error;
    }
    const types = Object.keys(handlers).sort();
    log.started({ queues, concurrency: flags.concurrency, handlers: types, ...(metricsServer ? { metricsUrl: metricsServer.url } : {}) });
    await Promise.all(workers.map((worker) => worker.done));
    log.summary(signalled ? 'signal' : 'done');
  } finally {
    await metricsServer?.close();
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
    .option('--handlers <module>', 'JS module (path from the working directory) whose default export maps job type to handler; .ts needs a TypeScript loader')
    .option('--queues <a,b>', 'queues to work on (default: the --queue setting)', commaList)
    .option('--drain', 'exit 0 once no job is pending and due, running or retrying')
    .option('--prefetch <n>', 'jobs claimed ahead of a free slot while handlers are fast (default: concurrency, at least 8; 0: off)', wholeNumber(0))
    .option('--max-jobs <n>', 'stop after claiming this many jobs per queue', wholeNumber(1))
    .option('--shutdown-timeout <duration>', 'on SIGINT/SIGTERM, wait this long for running jobs', duration, 30_000)
    .option('--allow-exec', 'enable the built-in exec handler (runs commands; off by default)')
    .option('--exec-allow <cmd,...>', 'with --allow-exec: only these commands may run', commaList)
    .option('--no-schedules', 'do not take part in firing cron schedules')
    .option('--metrics-port <port>', 'serve Prometheus /metrics and /healthz on this port', wholeNumber(0))
    .option('--metrics-host <host>', 'interface of the metrics server; 0.0.0.0 for every interface', DEFAULT_METRICS_HOST)
    .option('--keep-finished <count>', `succeeded and cancelled jobs kept, newest first; -1 keeps all, 0 none (default ${DEFAULT_RETENTION.finishedCount})`, wholeNumber(-1))
    .option('--keep-finished-for <duration>', 'succeeded and cancelled jobs older than this are removed; 0: no age limit (default 7d)', duration)
    .option('--log-format <format>', 'pretty or json (one object per line); default pretty on a terminal, json otherwise', logFormat)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  jobs worker --handlers ./handlers.js --concurrency 8',
        '  jobs worker --queues emails,webhooks --shutdown-timeout 1m',
        '  jobs worker --handlers ./handlers.js --drain --json   # CI: run the queue to completion',
        '  jobs worker --allow-exec --exec-allow convert,ffmpeg',
        '  jobs worker --handlers ./handlers.js --metrics-port 9464 --log-format json',
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
