import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { sleep } from '../../core/signal.js';
import { answeringRedisPid, requestShutdown } from './redis-admin.js';

/** Where and how the dev Redis runs. */
export interface DevRedisOptions {
  /** Path of the redis-server binary. */
  binary: string;
  /** Data directory; the AOF lives here, so jobs survive a restart. */
  dataDir: string;
  /** Redis's own log. */
  logFile: string;
  /** Longest wait for Redis to answer (reading back a large AOF takes a while). Default 60 s. */
  startTimeoutMs?: number;
}

/** How the redis-server process ended. */
export interface RedisExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Ports tried before giving up when others keep taking the free port first. */
const PORT_ATTEMPTS = 5;

/** A free loopback port, as the kernel picks one for a port-0 bind. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The last lines a file gained after `offset` (Redis appends to its log across runs). */
function tailSince(file: string, offset: number, lines = 8): string {
  try {
    return readFileSync(file).subarray(offset).toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * A private redis-server on a free loopback port with AOF on. It runs in a process group of its
 * own, so the Ctrl-C that reaches `jobs dev` does not stop Redis before the worker has recorded
 * its last outcomes; `shutdown()` stops it after them.
 */
export class DevRedis {
  readonly url: string;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<RedisExit>;
  private stopping = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    /** Redis's own log, for the reason when it stops. */
    readonly logFile: string,
    /** Size of the log before this process started. */
    private readonly logOffset: number,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
      child.once('exit', (code, signal) => resolve({ code, signal }));
      // a process that could not be spawned at all emits only 'error'
      child.once('error', () => resolve({ code: child.exitCode, signal: child.signalCode }));
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** True once shutdown() was called: an exit after it is expected. */
  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** Starts redis-server and resolves once it answers; retries on another port when one is taken under it. */
  static async start(options: DevRedisOptions): Promise<DevRedis> {
    mkdirSync(options.dataDir, { recursive: true });
    for (let attempt = 1; ; attempt += 1) {
      const port = await freeLoopbackPort();
      const logOffset = fileSize(options.logFile);
      const redis = new DevRedis(DevRedis.spawn(options, port), port, options.logFile, logOffset);
      const outcome = await redis.waitUntilAnswering(options.startTimeoutMs ?? 60_000);
      if (outcome === 'ready') return redis;
      if (outcome === 'port-taken' && attempt < PORT_ATTEMPTS) continue;
      throw new Error(`redis-server did not start (${outcome}); the end of ${options.logFile}:\n${redis.newLogLines()}`);
    }
  }

  private static spawn(options: DevRedisOptions, port: number): ChildProcess {
    const args = [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', options.dataDir,
      // the AOF alone keeps the data: no RDB snapshots on top of it
      '--appendonly', 'yes',
      '--save', '',
      '--logfile', options.logFile,
      '--daemonize', 'no',
      '--maxmemory-policy', 'noeviction',
    ];
    return spawn(options.binary, args, { stdio: 'ignore', detached: true });
  }

  private async waitUntilAnswering(timeoutMs: number): Promise<'ready' | 'port-taken' | 'exited' | 'timed out'> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (Date.now() < deadline) {
      if (exited) return /address already in use/i.test(this.newLogLines(50)) ? 'port-taken' : 'exited';
      if ((await answeringRedisPid(this.url, 500)) === this.pid) return 'ready';
      await sleep(25);
    }
    this.child.kill('SIGKILL');
    return 'timed out';
  }

  /** SIGTERM without waiting, for a forced exit: Redis writes its AOF and stops by itself. */
  terminate(): void {
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }

  /** What Redis logged since this process started. */
  newLogLines(lines = 8): string {
    return tailSince(this.logFile, this.logOffset, lines);
  }

  /**
   * SHUTDOWN (Redis writes and syncs the AOF, then exits) and waits for the process; SIGTERM
   * (which does the same) when SHUTDOWN could not be sent or did not end it, SIGKILL if it hangs.
   */
  async shutdown(timeoutMs = 10_000): Promise<RedisExit> {
    this.stopping = true;
    const running = (): boolean => this.child.exitCode === null && this.child.signalCode === null;
    if (running() && !((await requestShutdown(this.url)) && (await this.exitWithin(timeoutMs)))) {
      if (running()) this.child.kill('SIGTERM');
      if (!(await this.exitWithin(timeoutMs))) this.child.kill('SIGKILL');
    }
    return this.exited;
  }

  /** True when the process exits within `ms`. */
  private async exitWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const exited = await Promise.race([this.exited.then(() => true), late]);
    clearTimeout(timer);
    return exited;
  }
}
