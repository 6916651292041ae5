import type { Command } from 'commander';
import type { HandlerMap } from '../../core/handler.js';
import type { Worker } from '../../core/worker.js';
import { JobMetrics } from '../../observability/metrics.js';
import { DEFAULT_METRICS_HOST, startMetricsServer, type MetricsServer } from '../../observability/metrics-server.js';
import { settingHelp } from '../config-help.js';
import { action, type CliContext } from '../context.js';
import { EXIT, UsageError, type ExitCode } from '../errors.js';
import { builtinHandlersFor, loadHandlerModule } from '../handler-module.js';
import { examples } from '../help.js';
import { ShutdownSignals } from '../shutdown-signals.js';
import { WorkerPool } from '../worker-pool.js';
import { resolveLogFormat, WorkerLog } from '../worker-log.js';

async function serveMetrics(port: number, host: string, workers: Worker[], metrics: JobMetrics | undefined): Promise<MetricsServer> {
  try {
    return await startMetricsServer({ port, host, workers, ...(metrics ? { metrics } : {}) });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`cannot serve metrics on ${host} port ${port} (${reason}); choose another --metrics-port or --metrics-host`);
  }
}

/** Runs the workers until drained, stopped or signalled; every setting comes from ctx.config. */
async function runWorkers(ctx: CliContext): Promise<ExitCode> {
  const settings = ctx.config;
  if (settings.metricsHost !== DEFAULT_METRICS_HOST && settings.metricsPort === undefined) {
    throw new UsageError('--metrics-host only applies with --metrics-port; add --metrics-port <port>');
  }
  const queues = settings.queues ?? [settings.queue];
  const builtin = builtinHandlersFor(settings);
  const user = settings.handlers === undefined ? {} : await loadHandlerModule(settings.handlers);
  const handlers: HandlerMap = { ...builtin, ...user };
  if (Object.keys(handlers).length === 0) throw new UsageError('no handlers to run: pass --handlers <module>');

  const log = new WorkerLog(resolveLogFormat(settings.logFormat, ctx.out.json));
  const metrics = settings.metricsPort === undefined ? undefined : new JobMetrics();
  const pool = new WorkerPool({
    redis: settings.redis,
    prefix: settings.prefix,
    handlers,
    concurrency: settings.concurrency,
    drain: settings.drain,
    schedules: settings.schedules,
    ...(settings.maxJobs === undefined ? {} : { maxJobs: settings.maxJobs }),
    ...(settings.prefetch === undefined ? {} : { prefetch: settings.prefetch }),
    retention: { finishedCount: settings.retentionCount, finishedAgeMs: settings.retentionAge },
    log,
    ...(metrics ? { metrics } : {}),
  });
  const signals = new ShutdownSignals({
    graceful: (signal) => {
      log.shutdown(signal, pool.busy, settings.shutdownTimeout);
      void pool.close(settings.shutdownTimeout);
    },
    forced: () => {
      log.forcedExit(pool.busy);
      process.exit(EXIT.failed);
    },
  });
  let metricsServer: MetricsServer | undefined;
  try {
    try {
      await pool.add(queues);
      if (settings.metricsPort !== undefined) metricsServer = await serveMetrics(settings.metricsPort, settings.metricsHost, pool.workers, metrics);
    } catch (error) {
      await pool.close(settings.shutdownTimeout);
      throw error;
    }
    const types = Object.keys(handlers).sort();
    log.started({ queues, concurrency: settings.concurrency, handlers: types, ...(metricsServer ? { metricsUrl: metricsServer.url } : {}) });
    await pool.done();
    log.summary(signals.signalled ? 'signal' : 'done');
    if (settings.failOnDeadLetter && log.counts.failed > 0) {
      log.deadLettered(log.counts.failed);
      return EXIT.failed;
    }
    return EXIT.ok;
  } finally {
    await metricsServer?.close();
    signals.dispose();
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
    .option('--handlers <module>', settingHelp('handlers', 'JS module (path from the working directory) whose default export maps job type to handler; .ts needs a TypeScript loader'))
    .option('--queues <a,b>', settingHelp('queues', 'queues to work on'))
    .option('--drain', settingHelp('drain', 'exit once no job is pending and due, running or retrying'))
    .option('--fail-on-dead-letter', settingHelp('failOnDeadLetter', 'exit 1 (after the summary) when any job was dead-lettered during the run'))
    .option('--prefetch <n>', settingHelp('prefetch', 'jobs claimed ahead of a free slot while handlers are fast; 0 turns it off'))
    .option('--max-jobs <n>', settingHelp('maxJobs', 'stop after claiming this many jobs per queue'))
    .option('--shutdown-timeout <duration>', settingHelp('shutdownTimeout', 'on SIGINT/SIGTERM, wait this long for running jobs'))
    .option('--allow-exec', settingHelp('allowExec', 'enable the built-in exec handler (runs commands)'))
    .option('--exec-allow <cmd,...>', settingHelp('execAllow', 'with --allow-exec: only these commands may run'))
    .option('--exec-allow-env <name,...>', settingHelp('execAllowEnv', 'with --allow-exec: job env may set these variables that change how programs load code (PATH, LD_PRELOAD...)'))
    .option('--webhook-allow-networks <cidrs>', settingHelp('webhookAllowNetworks', 'internal networks webhooks may reach (e.g. 127.0.0.0/8,10.1.0.0/16)'))
    .option('--no-schedules', settingHelp('schedules', 'do not take part in firing cron schedules'))
    .option('--retention-count <n>', settingHelp('retentionCount', 'succeeded and cancelled jobs kept per queue (-1 all, 0 none)'))
    .option('--retention-age <duration>', settingHelp('retentionAge', 'succeeded and cancelled jobs older than this are removed (0: no limit)'))
    .option('--metrics-port <port>', settingHelp('metricsPort', 'serve Prometheus /metrics and /healthz on this port'))
    .option('--metrics-host <host>', settingHelp('metricsHost', 'interface the metrics server listens on; 0.0.0.0 for every interface'))
    .option('--log-format <format>', settingHelp('logFormat', 'pretty, or json (one object per line)'))
    .addHelpText(
      'after',
      [
        examples(
          'jobs worker --handlers ./handlers.js --concurrency 8',
          'jobs worker --queues emails,webhooks --shutdown-timeout 1m30s',
          'jobs worker --handlers ./handlers.js --drain --fail-on-dead-letter --json   # CI: run the queue to completion',
          'jobs worker --allow-exec --exec-allow convert,ffmpeg',
          'jobs worker --webhook-allow-networks 10.1.0.0/16   # webhooks may reach this internal network',
          'JOBS_CONCURRENCY=16 jobs worker --handlers ./handlers.js --metrics-port 9464 --log-format json',
        ),
        '',
        'handlers.js:',
        '  export default { "resize": async (payload, ctx) => ({ ok: true }) };',
        '',
        'Every option can also come from its JOBS_* variable or the config file (see the README).',
        'SIGINT/SIGTERM stop claiming, record each job that finishes, and hand unfinished jobs back',
        'after --shutdown-timeout; a second SIGINT exits at once.',
        'Exit: 0 done or stopped; 1 a forced exit, or --fail-on-dead-letter and a job was dead-lettered.',
      ].join('\n'),
    )
    .action(action(runWorkers));
}
