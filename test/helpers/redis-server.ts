import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../src/cli/dev/redis-process.js';

const INSTALL_HINT = 'redis-server is not on PATH: install it (Debian/Ubuntu: apt-get install -y redis-server) and run the tests again';

export function assertRedisServerInstalled(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(INSTALL_HINT);
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released): the one `jobs dev` uses. */
export const freePort = freeLoopbackPort;

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RedisServerOptions {
  /** Turn on AOF with fsync on every write (for crash tests). */
  appendOnly?: boolean;
  /** Extra redis-server arguments, e.g. ['--requirepass', 'x']. */
  args?: string[];
}

/** A private redis-server on a free loopback port, in its own temp dir. Tests use only these. */
export class RedisServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'jobs-redis-'));
  port = 0;
  private process: ChildProcess | undefined;

  constructor(private readonly options: RedisServerOptions = {}) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    assertRedisServerInstalled();
    if (this.port === 0) this.port = await freePort();
    const persistence = this.options.appendOnly
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', ...persistence];
    this.process = spawn('redis-server', [...args, ...(this.options.args ?? [])], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(this.port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this;
  }

  /** SIGKILL: a crash, no shutdown save. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts the server again on the same port and directory (AOF data comes back when on). */
  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
