import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import type { HandlerMap, JobHandler } from '../../core/handler.js';
import { Worker } from '../../core/worker.js';
import { builtinHandlers } from '../../handlers/index.js';
import { JobMetrics } from '../../observability/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../observability/metrics-server.js';
import { settingHelp } from '../config-help.js';
import { action, type CliContext } from '../context.js';
import { EXIT, UsageError, type ExitCode } from '../errors.js';
import { examples } from '../help.js';
import { resolveLogFormat, WorkerLog } from '../worker-log.js';

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

/** Runs the workers until drained, stopped or signalled; every setting comes from ctx.config. */
async function runWorkers(ctx: CliContext): Promise<ExitCode> {
  const settings = ctx.config;
  if (settings.execAllow && !settings.allowExec) throw new UsageError('--exec-allow only applies with --allow-exec; add --allow-exec');
  const queues = settings.queues ?? [ctx.config.queue];
  const builtin = builtinHandlers({
    ...(settings.allowExec ? { allowExec: true } : {}),
    ...(settings.execAllow ? { execAllow: settings.execAllow } : {}),
  });
  const user = settings.handlers === undefined ? {} : await loadHandlerModule(settings.handlers);
  const handlers: HandlerMap = { ...builtin, ...user };
  if (Object.keys(handlers).length === 0) throw new UsageError('no handlers to run: pass --handlers <module>');

  const log = new WorkerLog(resolveLogFormat(settings.logFormat, ctx.out.json));
  const metrics = settings.metricsPort === undefined ? undefined : new JobMetrics();
  const workers = queues.map(
    (name) =>
      new Worker(name, {
        connection: ctx.config.redis,
        prefix: ctx.config.prefix,
        retention: { finishedCount: settings.retentionCount, finishedAgeMs: settings.retentionAge },
        handlers,
        concurrency: settings.concurrency,
        exitWhenDrained: settings.drain,
        schedules: settings.schedules,
        ...(settings.maxJobs === undefined ? {} : { maxJobs: settings.maxJobs }),
        ...(settings.prefetch === undefined ? {} : { prefetch: settings.prefetch }),
        onAttempt: metrics ? metrics.attemptObserver(name, (report) => log.attempt(name, report)) : (report) => log.attempt(name, report),
        onWarning: (message) => log.warning(name, message),
      }),
  );
  const closeAll = (): Promise<unknown> => Promise.all(workers.map((worker) => worker.close(settings.shutdownTimeout)));

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const running = workers.reduce((sum, worker) => sum + worker.busy, 0);
    if (!signalled) {
      signalled = true;
      log.shutdown(signal, running, settings.shutdownTimeout);
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
      if (settings.metricsPort !== undefined) {
        const host = settings.metricsHost === undefined ? {} : { host: settings.metricsHost };
        metricsServer = await startMetricsServer({ port: settings.metricsPort, ...host, workers, ...(metrics ? { metrics } : {}) });
      }
    } catch (error) {
      await closeAll();
      throw error;
    }
    const types = Object.keys(handlers).sort();
    log.started({ queues, concurrency: settings.concurrency, handlers: types, ...(metricsServer ? { metricsUrl: metricsServer.url } : {}) });
    await Promise.all(workers.map((worker) => worker.done));
    log.summary(signalled ? 'signal' : 'done');
    if (settings.failOnDeadLetter && log.counts.failed > 0) {
      log.deadLettered(log.counts.failed);
      return EXIT.failed;
    }
    return EXIT.ok;
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
    .option('--concurrency <n>', settingHelp('concurrency', 'jobs run at once per queue'))
    .option('--handlers <module>', settingHelp('handlers', 'JS module (path from the working directory) whose default export maps job type to handler'))
    .option('--queues <a,b>', settingHelp('queues', 'queues to work on'))
    .option('--drain', settingHelp('drain', 'exit once no job is pending and due, running or retrying'))
    .option('--fail-on-dead-letter', settingHelp('failOnDeadLetter', 'exit 1 (after the summary) when any job was dead-lettered during the run'))
    .option('--prefetch <n>', settingHelp('prefetch', 'jobs claimed ahead of a free slot while handlers are fast; 0 turns it off'))
    .option('--max-jobs <n>', settingHelp('maxJobs', 'stop after claiming this many jobs per queue'))
    .option('--shutdown-timeout <duration>', settingHelp('shutdownTimeout', 'on SIGINT/SIGTERM, wait this long for running jobs'))
    .option('--allow-exec', settingHelp('allowExec', 'enable the built-in exec handler (runs commands)'))
    .option('--exec-allow <cmd,...>', settingHelp('execAllow', 'with --allow-exec: only these commands may run'))
    .option('--no-schedules', settingHelp('schedules', 'do not take part in firing cron schedules'))
    .option('--retention-count <n>', settingHelp('retentionCount', 'succeeded and cancelled jobs kept per queue (-1 all, 0 none)'))
    .option('--retention-age <duration>', settingHelp('retentionAge', 'succeeded and cancelled jobs older than this are removed (0: no limit)'))
    .option('--metrics-port <port>', settingHelp('metricsPort', 'serve Prometheus /metrics and /healthz on this port'))
    .option('--metrics-host <host>', settingHelp('metricsHost', 'interface the metrics server listens on'))
    .option('--log-format <format>', settingHelp('logFormat', 'pretty, or json (one object per line)'))
    .addHelpText(
      'after',
      [
        examples(
          'jobs worker --handlers ./handlers.js --concurrency 8',
          'jobs worker --queues emails,webhooks --shutdown-timeout 1m30s',
          'jobs worker --handlers ./handlers.js --drain --fail-on-dead-letter --json   # CI: run the queue to completion',
          'jobs worker --allow-exec --exec-allow convert,ffmpeg',
          'JOBS_CONCURRENCY=16 jobs worker --handlers ./handlers.js --metrics-port 9464 --log-format json',
        ),
        '',
        'handlers.js:',
        '  export default { "resize": async (payload, ctx) => ({ ok: true }) };',
        '',
        'Every option can also come from its JOBS_* variable or the config file (see the README).',
        'SIGINT/SIGTERM stop claiming and let running jobs finish (up to --shutdown-timeout),',
        'then hand unfinished jobs back; a second SIGINT exits at once.',
        'Exit: 0 done or stopped; 1 a forced exit, or --fail-on-dead-letter and a job was dead-lettered.',
      ].join('\n'),
    )
    .action(action(runWorkers));
}
