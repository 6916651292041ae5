import type { CliContext } from '../context.js';
import { enqueueDemo, type DemoSummary } from '../dev/demo.js';
import { demoHandlers } from '../dev/demo-handlers.js';
import { DevLog } from '../dev/dev-log.js';
import { DevStack } from '../dev/dev-stack.js';
import { DevWorkers } from '../dev/dev-workers.js';
import { HandlerReloader } from '../dev/handler-reloader.js';
import { findRedisServer } from '../dev/redis-binary.js';
import { devPaths } from '../dev/state-file.js';
import { EXIT, UsageError, type ExitCode } from '../errors.js';
import { builtinHandlersFor } from '../handler-module.js';
import { ShutdownSignals } from '../shutdown-signals.js';
import { resolveLogFormat, WorkerLog, type LogFormat } from '../worker-log.js';

export interface DevFlags {
  demo?: boolean;
  fresh?: boolean;
  handlers?: string;
  concurrency: number;
  shutdownTimeout: number;
  allowExec?: boolean;
  execAllow?: string[];
  logFormat?: LogFormat;
}

export async function runDev(ctx: CliContext, flags: DevFlags): Promise<ExitCode> {
  if (ctx.redisSetBy === 'flag') throw new UsageError('jobs dev runs a Redis of its own, so --redis does not apply; to work on your Redis run: jobsctl worker --redis <url>');
  // Everything that can be refused is checked before anything starts.
  const redisBinary = findRedisServer();
  const format = resolveLogFormat(flags.logFormat, ctx.out.json);
  const log = new WorkerLog(format, process.stdout, process.stderr, 'jobs dev');
  const devLog = new DevLog(format);
  const handlers = new HandlerReloader({ ...builtinHandlersFor(flags), ...demoHandlers }, flags.handlers, {
    reloaded: (path, types) => devLog.handlersReloaded(path, types),
    failed: (path, error) => devLog.handlersReloadFailed(path, error),
  });
  await handlers.load();

  const paths = devPaths();
  let stack: DevStack | undefined;
  let workers: DevWorkers | undefined;
  let requestStop: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const signals = new ShutdownSignals({
    graceful: (signal) => {
      log.shutdown(signal, workers?.pool.busy ?? 0, flags.shutdownTimeout);
      requestStop();
    },
    forced: () => {
      log.forcedExit(workers?.pool.busy ?? 0);
      stack?.abandon();
      process.exit(EXIT.failed);
    },
  });
  try {
    stack = await DevStack.start({
      paths,
      redisBinary,
      fresh: Boolean(flags.fresh),
      onStaleState: (state, stoppedRedisPid) => devLog.staleState(paths.stateFile, state.pid, stoppedRedisPid),
      onRedisLost: (exit) => {
        devLog.redisFailed(exit.code, exit.signal, stack?.redis.newLogLines() ?? '');
        requestStop();
      },
    });
    let demo: DemoSummary | undefined;
    if (flags.demo && !signals.signalled) demo = await enqueueDemo(stack.url, ctx.config.prefix);
    // services with an address of their own (a dashboard) start here, before the message lists them
    if (!signals.signalled) {
      devLog.started({
        redisUrl: stack.url,
        dataDir: paths.dataDir,
        stateFile: paths.stateFile,
        links: stack.links,
        ...(demo ? { demo } : {}),
        ...(ctx.redisSetBy ? { shadowedBy: ctx.redisSetBy } : {}),
      });
      workers = await DevWorkers.start({
        redis: stack.url,
        prefix: ctx.config.prefix,
        concurrency: flags.concurrency,
        handlers,
        log,
        events: { added: (queues) => devLog.queuesAdded(queues), warning: (message) => devLog.warning(message) },
      });
      stack.add(workers);
    }
    await stopRequested;
    await stack.stop(flags.shutdownTimeout);
    if (workers) log.summary(signals.signalled ? 'signal' : 'done');
    if (stack.lostRedis) return EXIT.failed;
    devLog.stopped(paths.dataDir, paths.stateFile);
    return EXIT.ok;
  } catch (error) {
    await handlers.close();
    await stack?.stop(0);
    // a start-up step that failed because Redis died: that was reported already
    if (stack?.lostRedis) return EXIT.failed;
    throw error;
  } finally {
    signals.dispose();
    // Everything is recorded in Redis and Redis has stopped; a timer left by a handler module
    // must not keep the process alive.
    setTimeout(() => process.exit(), 200).unref();
  }
}
