import { relative } from 'node:path';
import type { ChalkInstance } from 'chalk';
import { colorEnabled, makeChalk } from '../output.js';
import type { LogFormat } from '../worker-log.js';
import type { DemoSummary } from './demo.js';

/** A service `jobs dev` started, as its start-up message lists it. */
export interface ServiceLink {
  name: string;
  url: string;
}

/** What the start-up message tells. */
export interface DevStartedDetails {
  redisUrl: string;
  dataDir: string;
  stateFile: string;
  /** Services with an address of their own (the dashboard, once there is one). */
  links: ServiceLink[];
  demo?: DemoSummary;
  /** Set when REDIS_URL or a config file chooses another Redis for commands run here. */
  shadowedBy?: 'environment' | 'config file';
}

/** The commands the start-up message suggests. */
export function nextCommands(redisUrl: string): string[] {
  return [
    'npx jobsctl stats',
    'npx jobsctl list --queue demo --state failed',
    'npx jobsctl top',
    `npx jobsctl enqueue demo-greet --data '{"name":"you"}'`,
    `export REDIS_URL=${redisUrl}`,
  ];
}

/**
 * The lines of `jobs dev` besides the worker's own (see WorkerLog, which prints the attempts):
 * the start-up message, queues picked up, handler reloads, and how the stack stopped. JSON: one
 * object per line on stdout with `time`, `level` and `event`; pretty: the start-up message on
 * stdout, the rest on stderr.
 */
export class DevLog {
  private readonly color: ChalkInstance;

  constructor(
    readonly format: LogFormat,
    private readonly cwd = process.cwd(),
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {
    this.color = makeChalk(format === 'pretty' && colorEnabled(stdout));
  }

  started(details: DevStartedDetails): void {
    const next = nextCommands(details.redisUrl);
    if (this.format === 'json') return this.json('info', 'dev-started', { ...details, next, pid: process.pid });
    const c = this.color;
    const lines = [
      `${c.bold('jobs dev')}: Redis at ${c.cyan(details.redisUrl)}, data in ${this.path(details.dataDir)} (kept across restarts; --fresh starts empty)`,
      ...details.links.map((link) => `  ${link.name}: ${c.cyan(link.url)}`),
      ...(details.demo
        ? [`  demo: ${details.demo.jobs} jobs in ${details.demo.queues.join(', ')}, cron schedule ${details.demo.schedule} (every minute)`]
        : []),
      `  jobsctl commands run in this directory find this Redis through ${this.path(details.stateFile)}; try, in another terminal:`,
      ...next.slice(0, -1).map((command) => `    ${command}`),
      '  in other directories and your own code:',
      `    ${next.at(-1) ?? ''}`,
    ];
    if (details.shadowedBy) {
      const source = details.shadowedBy === 'environment' ? 'REDIS_URL is set in this environment' : 'a config file sets "redis"';
      lines.push(c.yellow(`  note: ${source}, so jobsctl commands run here use that Redis, not this one`));
    }
    this.stdout.write(`${lines.join('\n')}\n`);
  }

  queuesAdded(queues: string[]): void {
    if (this.format === 'json') return this.json('info', 'queues-added', { queues });
    this.stderr.write(`jobs dev: new ${queues.length === 1 ? 'queue' : 'queues'} ${queues.join(', ')}: worker started\n`);
  }

  handlersReloaded(path: string, types: string[]): void {
    if (this.format === 'json') return this.json('info', 'handlers-reloaded', { path, types });
    this.stderr.write(`jobs dev: reloaded ${path} (${types.join(', ') || 'no handlers'}); new jobs run the new code\n`);
  }

  handlersReloadFailed(path: string, error: string): void {
    if (this.format === 'json') return this.json('warn', 'handlers-reload-failed', { path, error });
    this.stderr.write(`jobs dev: ${path} changed but did not load (${error}); keeping the previous handlers\n`);
  }

  warning(message: string): void {
    if (this.format === 'json') return this.json('warn', 'warning', { message });
    this.stderr.write(`jobs dev: warning: ${message}\n`);
  }

  /** A state file left by a killed run, and whether its still-running Redis was stopped. */
  staleState(stateFile: string, pid: number, stoppedRedisPid?: number): void {
    if (this.format === 'json') return this.json('info', 'stale-state', { stateFile, pid, stoppedRedisPid: stoppedRedisPid ?? null });
    const redis = stoppedRedisPid === undefined ? '' : `; its Redis (pid ${stoppedRedisPid}) was still running and is stopped now`;
    this.stderr.write(`jobs dev: ${this.path(stateFile)} was left by a run that ended without cleaning up (pid ${pid})${redis}\n`);
  }

  redisFailed(code: number | null, signal: string | null, logLines: string): void {
    if (this.format === 'json') return this.json('error', 'redis-exited', { code, signal, log: logLines });
    this.stderr.write(`jobs dev: redis-server exited unexpectedly (${signal ?? `code ${code}`}); stopping. Its log ends with:\n${logLines}\n`);
  }

  stopped(dataDir: string, stateFile: string): void {
    if (this.format === 'json') return this.json('info', 'dev-stopped', { dataDir, stateFile });
    this.stderr.write(`jobs dev: Redis stopped (its data stays in ${this.path(dataDir)}), ${this.path(stateFile)} removed\n`);
  }

  /** A path relative to the working directory when inside it. */
  private path(path: string): string {
    const shown = relative(this.cwd, path);
    return shown === '' || shown.startsWith('..') ? path : shown;
  }

  private json(level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>): void {
    this.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
  }
}
