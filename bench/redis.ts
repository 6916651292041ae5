import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { canConnect, freePort } from '../test/helpers/redis-server.js';

/** Entries slower than this (µs) land in SLOWLOG; the bench reads them after each case. */
export const SLOWLOG_THRESHOLD_US = 1000;

/** Commands the bench's own admin connection sends; never charged to a system. */
export const ADMIN_COMMANDS = /^(info|config|slowlog|monitor|flushall)/;

export interface SlowEntry {
  durationUs: number;
  command: string;
}

/** Parses an INFO reply into name -> value. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  return fields;
}

/**
 * The bench's own redis-server on a free loopback port (never 6379), no persistence, and an
 * admin connection for FLUSHALL, INFO and SLOWLOG.
 */
export class BenchRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'jobs-bench-redis-'));
  port = 0;
  version = '';
  private child: ChildProcess | undefined;
  private adminClient: Redis | undefined;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get admin(): Redis {
    if (!this.adminClient) throw new Error('BenchRedis is not started');
    return this.adminClient;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    if (this.port === 6379) this.port = await freePort();
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'no'];
    args.push('--slowlog-log-slower-than', String(SLOWLOG_THRESHOLD_US), '--slowlog-max-len', '4096');
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child.once('error', (error) => {
      throw new Error(`redis-server could not start (is it installed?): ${error.message}`);
    });
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(this.port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.adminClient = new Redis(this.url, { maxRetriesPerRequest: 1 });
    this.version = (await this.info('server')).get('redis_version') ?? '?';
  }

  /** Empties Redis and resets commandstats and SLOWLOG: every case starts clean. */
  async reset(): Promise<void> {
    await this.admin.flushall();
    await this.resetStats();
  }

  async resetStats(): Promise<void> {
    await this.admin.config('RESETSTAT');
    await this.admin.slowlog('RESET');
  }

  async info(section: string): Promise<Map<string, string>> {
    return parseInfo(await this.admin.info(section));
  }

  async usedMemory(): Promise<number> {
    return Number((await this.info('memory')).get('used_memory') ?? 0);
  }

  /**
   * Commands processed since the last reset, including those run inside Lua scripts: the sum
   * of INFO commandstats calls, without the bench's own admin commands.
   */
  async totalCommands(): Promise<number> {
    let total = 0;
    for (const [name, calls] of await this.commandStats()) if (!ADMIN_COMMANDS.test(name)) total += calls;
    return total;
  }

  /** CPU seconds the server has used (user + sys, all threads). */
  async cpuSeconds(): Promise<number> {
    const cpu = await this.info('cpu');
    return Number(cpu.get('used_cpu_user') ?? 0) + Number(cpu.get('used_cpu_sys') ?? 0);
  }

  /** Calls per command since the last reset, from INFO commandstats. */
  async commandStats(): Promise<Map<string, number>> {
    const calls = new Map<string, number>();
    for (const [name, value] of await this.info('commandstats')) {
      const match = /calls=(\d+)/.exec(value);
      if (name.startsWith('cmdstat_') && match?.[1]) calls.set(name.slice('cmdstat_'.length), Number(match[1]));
    }
    return calls;
  }

  async slowlog(): Promise<SlowEntry[]> {
    const raw = (await this.admin.slowlog('GET', 4096)) as unknown[];
    const entries: SlowEntry[] = [];
    for (const entry of raw) {
      if (!Array.isArray(entry)) continue;
      const args = Array.isArray(entry[3]) ? (entry[3] as unknown[]).map(String) : [];
      entries.push({ durationUs: Number(entry[2]), command: args.slice(0, 3).join(' ').slice(0, 120) });
    }
    return entries;
  }

  async stop(): Promise<void> {
    this.adminClient?.disconnect();
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
