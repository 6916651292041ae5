import type { Command } from 'commander';
import { DEFAULT_RETENTION, type Retention } from '../../core/handle.js';
import type { HandlerMap } from '../../core/handler.js';
import type { Worker } from '../../core/worker.js';
import { JobMetrics } from '../../observability/metrics.js';
import { DEFAULT_METRICS_HOST, startMetricsServer, type MetricsServer } from '../../observability/metrics-server.js';
import { action, type CliContext } from '../context.js';
import { EXIT, UsageError } from '../errors.js';
import { builtinHandlersFor, loadHandlerModule } from '../handler-module.js';
import { commaList, duration, wholeNumber } from '../parse.js';
import { ShutdownSignals } from '../shutdown-signals.js';
import { WorkerPool } from '../worker-pool.js';
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
  execAllowEnv?: string[];
  webhookAllowNetworks?: string;
  /** false with --no-schedules */
  schedules: boolean;
  metricsPort?: number;
  metricsHost: string;
  keepFinished?: number;
  keepFinishedFor?: number;
  logFormat?: LogFormat;
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
  if (flags.metricsHost !== DEFAULT_METRICS_HOST && flags.metricsPort === undefined) {
    throw new UsageError('--metrics-host only applies with --metrics-port; add --metrics-port <port>');
  }
  const queues = flags.queues ?? [ctx.config.queue];
  const builtin = builtinHandlersFor(flags);
  const user = flags.handlers === undefined ? {} : await loadHandlerModule(flags.handlers);
  const handlers: HandlerMap = { ...builtin, ...user };
  if (Object.keys(handlers).length === 0) throw new UsageError('no handlers to run: pass --handlers <module>');

  const log = new WorkerLog(resolveLogFormat(flags.logFormat, ctx.out.json));
  const metrics = flags.metricsPort === undefined ? undefined : new JobMetrics();
  const pool = new WorkerPool({
    redis: ctx.config.redis,
    prefix: ctx.config.prefix,
    handlers,
    concurrency: flags.concurrency,
    drain: Boolean(flags.drain),
    schedules: flags.schedules,
    ...(flags.maxJobs === undefined ? {} : { maxJobs: flags.maxJobs }),
    ...(flags.prefetch === undefined ? {} : { prefetch: flags.prefetch }),
    retention: retentionOf(flags),
    log,
    ...(metrics ? { metrics } : {}),
  });
  const signals = new ShutdownSignals({
    graceful: (signal) => {
      log.shutdown(signal, pool.busy, flags.shutdownTimeout);
      void pool.close(flags.shutdownTimeout);
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
      if (flags.metricsPort !== undefined) metricsServer = await serveMetrics(flags.metricsPort, flags.metricsHost, pool.workers, metrics);
    } catch (error) {
      await pool.close(flags.shutdownTimeout);
      throw error;
    }
    const types = Object.keys(handlers).sort();
    log.started({ queues, concurrency: flags.concurrency, handlers: types, ...(metricsServer ? { metricsUrl: metricsServer.url } : {}) });
    await pool.done();
    log.summary(signals.signalled ? 'signal' : 'done');
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
    .option('--concurrency <n>', 'jobs run at once per queue', wholeNumber(1), 1)
    .option('--handlers <module>', 'JS module (path from the working directory) whose default export maps job type to handler; .ts needs a TypeScript loader')
    .option('--queues <a,b>', 'queues to work on (default: the --queue setting)', commaList)
    .option('--drain', 'exit 0 once no job is pending and due, running or retrying')
    .option('--prefetch <n>', 'jobs claimed ahead of a free slot while handlers are fast (default: concurrency, at least 8; 0: off)', wholeNumber(0))
    .option('--max-jobs <n>', 'stop after claiming this many jobs per queue', wholeNumber(1))
    .option('--shutdown-timeout <duration>', 'on SIGINT/SIGTERM, wait this long for running jobs', duration, 30_000)
    .option('--allow-exec', 'enable the built-in exec handler (runs commands; off by default)')
    .option('--exec-allow <cmd,...>', 'with --allow-exec: only these commands may run', commaList)
    .option('--exec-allow-env <name,...>', 'with --allow-exec: job env may set these variables that change how programs load code (PATH, LD_PRELOAD...)', commaList)
    .option('--webhook-allow-networks <cidrs>', 'networks webhooks may reach although internal (e.g. 127.0.0.0/8,10.1.0.0/16; default $JOBS_WEBHOOK_ALLOW_NETWORKS)')
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
        '  jobs worker --webhook-allow-networks 10.1.0.0/16   # webhooks may reach this internal network',
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
