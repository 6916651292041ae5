import { rmSync } from 'node:fs';
import { sleep } from '../../core/signal.js';
import { UsageError } from '../errors.js';
import { requestShutdown } from './redis-admin.js';
import { DevRedis, type RedisExit } from './redis-process.js';
import { checkDevState, isProcessAlive, removeDevState, writeDevState, type DevPaths, type DevState } from './state-file.js';

/**
 * Something `jobs dev` runs on its Redis: the workers now, the dashboard once there is one.
 * Services stop in the reverse order they were added, all before Redis.
 */
export interface DevService {
  readonly name: string;
  /** Where people reach it, for a service that serves HTTP; listed in the start-up message. */
  readonly url?: string;
  stop(timeoutMs: number): Promise<void>;
}

export interface DevStackOptions {
  paths: DevPaths;
  /** The redis-server binary. */
  redisBinary: string;
  /** Delete the data of earlier runs first. */
  fresh: boolean;
  /** Told when Redis exits without being asked to (crashed, killed, or shut down by someone else). */
  onRedisLost?: (exit: RedisExit) => void;
  /** Told about a state file left by a killed run (and the pid of its Redis, when it was still running and is now stopped). */
  onStaleState?: (state: DevState, stoppedRedisPid?: number) => void;
}

/** How long services may still take to stop once Redis has died under them. */
const REDIS_GONE_GRACE_MS = 2000;

/** Stops the Redis a killed `jobs dev` left running: it holds the same data directory. */
async function stopOrphanRedis(state: DevState): Promise<void> {
  await requestShutdown(state.url);
  const deadline = Date.now() + 10_000;
  while (isProcessAlive(state.redisPid)) {
    if (Date.now() > deadline) throw new Error(`the Redis left by an earlier jobs dev (pid ${state.redisPid}) did not stop; stop it and try again`);
    await sleep(25);
  }
}

/**
 * The dev stack: a private Redis with its data in `.jobs/`, the state file that lets other
 * commands in this directory find it, and the services running on it.
 */
export class DevStack {
  private readonly services: DevService[] = [];
  private stopping: Promise<void> | undefined;
  /** Set when Redis exited before stop() asked it to. */
  private lost: RedisExit | undefined;

  private constructor(
    readonly redis: DevRedis,
    readonly paths: DevPaths,
    readonly startedAt: Date,
    onRedisLost: ((exit: RedisExit) => void) | undefined,
  ) {
    void redis.exited.then((exit) => {
      if (redis.shuttingDown) return;
      this.lost = exit;
      onRedisLost?.(exit);
    });
  }

  /** How Redis ended when it exited on its own (crashed, killed, or shut down by someone else). */
  get lostRedis(): RedisExit | undefined {
    return this.lost;
  }

  /**
   * Refuses to start beside a running stack in the same directory (exit 2), clears a stale
   * state file (stopping the Redis a killed run left behind), starts Redis and writes the state file.
   */
  static async start(options: DevStackOptions): Promise<DevStack> {
    const { paths } = options;
    const found = await checkDevState(paths);
    if (found.kind === 'running') {
      const { pid, url } = found.state;
      throw new UsageError(`jobs dev already runs in this directory (pid ${pid}, ${url}); stop it first, or use it: its commands need no --redis here`);
    }
    if (found.kind === 'stale') {
      if (found.orphanRedis) await stopOrphanRedis(found.state);
      removeDevState(paths);
      options.onStaleState?.(found.state, found.orphanRedis ? found.state.redisPid : undefined);
    }
    if (options.fresh) rmSync(paths.dataDir, { recursive: true, force: true });
    const redis = await DevRedis.start({ binary: options.redisBinary, dataDir: paths.dataDir, logFile: paths.redisLog });
    const stack = new DevStack(redis, paths, new Date(), options.onRedisLost);
    writeDevState(paths, { url: redis.url, pid: process.pid, redisPid: redis.pid, startedAt: stack.startedAt.toISOString() });
    return stack;
  }

  get url(): string {
    return this.redis.url;
  }

  /** Services with an address, for the start-up message. */
  get links(): { name: string; url: string }[] {
    return this.services.flatMap((service) => (service.url === undefined ? [] : [{ name: service.name, url: service.url }]));
  }

  add(service: DevService): void {
    this.services.push(service);
  }

  /**
   * Stops the services (newest first, each given `timeoutMs`), then Redis with SHUTDOWN (the
   * AOF is written), then removes the state file.
   */
  stop(timeoutMs: number): Promise<void> {
    this.stopping ??= (async () => {
      try {
        const services = (async () => {
          for (const service of [...this.services].reverse()) await service.stop(timeoutMs);
        })();
        // Without Redis a worker cannot record its last outcomes and would wait for it forever.
        const redisGone = this.redis.exited.then(() => sleep(REDIS_GONE_GRACE_MS));
        await Promise.race([services, redisGone]);
      } finally {
        await this.redis.shutdown();
        removeDevState(this.paths);
      }
    })();
    return this.stopping;
  }

  /** For a forced exit: Redis gets SIGTERM (it writes the AOF and stops), the state file goes. */
  abandon(): void {
    this.redis.terminate();
    removeDevState(this.paths);
  }
}
