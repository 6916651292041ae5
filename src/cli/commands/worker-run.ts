import type { HandlerMap } from '../../core/handler.js';
import type { Worker } from '../../core/worker.js';
import { JobMetrics } from '../../observability/metrics.js';
import { DEFAULT_METRICS_HOST, startMetricsServer, type MetricsServer } from '../../observability/metrics-server.js';
import type { CliContext } from '../context.js';
import { EXIT, UsageError, type ExitCode } from '../errors.js';
import { builtinHandlersFor, loadHandlerModule } from '../handler-module.js';
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
export async function runWorkers(ctx: CliContext): Promise<ExitCode> {
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
