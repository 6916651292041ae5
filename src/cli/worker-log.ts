import type { ChalkInstance } from 'chalk';
import { InvalidArgumentError } from 'commander';
import { formatDuration } from '../core/duration.js';
import type { AttemptReport } from '../core/job-runner.js';
import type { Worker } from '../core/worker.js';
import { colorEnabled, makeChalk } from './output.js';
import { plural } from './text.js';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Commander parser for --log-format. */
export function logFormat(value: string): LogFormat {
  if (!(LOG_FORMATS as readonly string[]).includes(value)) throw new InvalidArgumentError(`use pretty or json, got "${value}"`);
  return value as LogFormat;
}

/** --log-format, else json with --json, else pretty on a terminal and json for a pipe or file. */
export function resolveLogFormat(given: LogFormat | undefined, json: boolean, stdout: NodeJS.WriteStream = process.stdout): LogFormat {
  return given ?? (json || !stdout.isTTY ? 'json' : 'pretty');
}

type Counts = Record<AttemptReport['status'], number>;

/**
 * The worker's log: one line per attempt and lifecycle lines (started, shutdown, Redis lost
 * and back, warnings, summary). JSON: one object per line on stdout, each with `time`,
 * `level` and `event` (shutdown notes go to stderr as text too). Pretty: attempts, start and
 * summary on stdout, the rest on stderr.
 */
export class WorkerLog {
  readonly counts: Counts = { success: 0, retrying: 0, failed: 0, cancelled: 0, returned: 0 };
  private readonly startedAt = Date.now();
  private readonly color: ChalkInstance;

  constructor(
    readonly format: LogFormat,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
    /** Names the command in stderr notes. */
    private readonly label = 'jobs worker',
  ) {
    this.color = makeChalk(format === 'pretty' && colorEnabled(stdout));
  }

  attempt(queue: string, report: AttemptReport): void {
    this.counts[report.status] += 1;
    const durationMs = Math.round(report.durationMs);
    if (this.format === 'json') {
      const level = report.status === 'failed' ? 'error' : report.status === 'retrying' ? 'warn' : 'info';
      return this.json(level, 'attempt', { queue, ...report, durationMs, waitMs: Math.round(report.waitMs) });
    }
    const error = report.error ? `: ${report.error}` : '';
    this.stdout.write(
      `${new Date().toISOString()} ${queue} ${report.id} ${report.type} ${this.state(report.status)} ` +
        `attempt ${report.attempt} ${formatDuration(durationMs)}${error}\n`,
    );
  }

  started(details: { queues: string[]; concurrency: number; handlers: string[]; metricsUrl?: string }): void {
    if (this.format === 'json') return this.json('info', 'started', { ...details, pid: process.pid });
    const metrics = details.metricsUrl ? `; metrics at ${details.metricsUrl}/metrics` : '';
    this.stdout.write(
      `worker on ${details.queues.join(', ')} (concurrency ${details.concurrency}), handlers: ${details.handlers.join(', ')}${metrics}; Ctrl-C to stop\n`,
    );
  }

  warning(queue: string, message: string): void {
    if (this.format === 'json') return this.json('warn', 'warning', { queue, message });
    this.stderr.write(`${this.label}: warning (queue ${queue}): ${message}\n`);
  }

  /** Also a note on stderr in JSON mode: whoever pressed Ctrl-C should see it. */
  shutdown(signal: string, running: number, timeoutMs: number): void {
    if (this.format === 'json') this.json('info', 'shutdown', { signal, running, timeoutMs });
    this.stderr.write(
      `${this.label}: ${signal}, shutting down: waiting up to ${formatDuration(timeoutMs)} for ${plural(running, 'running job')} (Ctrl-C again to force)\n`,
    );
  }

  forcedExit(running: number): void {
    if (this.format === 'json') this.json('warn', 'forced-exit', { running });
    this.stderr.write(`${this.label}: forced exit; ${plural(running, 'running job')} return to the queue when their lease expires\n`);
  }

  summary(reason: 'signal' | 'done'): void {
    const elapsedMs = Date.now() - this.startedAt;
    const attempts = Object.values(this.counts).reduce((sum, n) => sum + n, 0);
    if (this.format === 'json') return this.json('info', 'summary', { reason, attempts, ...this.counts, elapsedMs });
    const parts = Object.entries(this.counts).map(([status, n]) => `${n} ${status}`);
    this.stdout.write(`worker stopped after ${formatDuration(elapsedMs)}: ${plural(attempts, 'attempt')} (${parts.join(', ')})\n`);
  }

  /** Why a --fail-on-dead-letter run exits 1. */
  deadLettered(count: number): void {
    if (this.format === 'json') this.json('error', 'dead-lettered', { failed: count });
    this.stderr.write(`jobs worker: ${plural(count, 'job')} dead-lettered during the run; exit 1 (--fail-on-dead-letter)\n`);
  }

  /** Logs when the worker's Redis connection drops and when it is back (once per outage). */
  watchConnection(worker: Worker): void {
    const redis = worker.handle.redis;
    let lastError = '';
    let lost = false;
    redis.on('error', (error: Error) => (lastError = error.message));
    redis.on('reconnecting', () => {
      if (lost) return;
      lost = true;
      if (this.format === 'json') return this.json('warn', 'redis-lost', { queue: worker.name, error: lastError || null });
      this.stderr.write(`${this.label}: Redis connection lost (queue ${worker.name})${lastError ? `: ${lastError}` : ''}; reconnecting\n`);
    });
    redis.on('ready', () => {
      if (!lost) return;
      lost = false;
      if (this.format === 'json') return this.json('info', 'redis-reconnected', { queue: worker.name });
      this.stderr.write(`${this.label}: Redis connection back (queue ${worker.name})\n`);
    });
  }

  private json(level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>): void {
    this.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
  }

  private state(status: AttemptReport['status']): string {
    const c = this.color;
    if (status === 'success') return c.green(status);
    if (status === 'failed') return c.red(status);
    if (status === 'retrying') return c.yellow(status);
    return c.gray(status);
  }
}
