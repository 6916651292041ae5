import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { Job } from '../core/job.js';
import { redactValue } from './redact.js';

/** Colour only for a terminal, and never when NO_COLOR is set. */
export function colorEnabled(stream: NodeJS.WriteStream = process.stdout, env = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY);
}

export function makeChalk(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** A job as every `--json` output shows it (documented in README). */
export interface JobJson {
  id: string;
  queue: string;
  type: string;
  status: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  priority: number;
  createdAt: string | null;
  scheduledFor: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  stack: string | null;
  result: unknown;
  progress: unknown;
  timeoutMs: number | null;
  idempotencyKey: string | null;
  /** The cron schedule and tick that fired the job. */
  schedule: { name: string; tick: string } | null;
}

export function jobToJson(job: Job, redact: ReadonlySet<string> = new Set()): JobJson {
  return {
    id: job.id,
    queue: job.queue,
    type: job.type,
    status: job.status,
    payload: redactValue(job.payload, redact),
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    priority: job.priority,
    createdAt: iso(job.createdAt),
    scheduledFor: iso(job.scheduledFor),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    error: job.error,
    stack: job.stack,
    result: redactValue(job.result, redact),
    progress: redactValue(job.progress, redact),
    timeoutMs: job.timeoutMs,
    idempotencyKey: job.idempotencyKey,
    schedule: job.schedule ? { name: job.schedule.name, tick: job.schedule.tick.toISOString() } : null,
  };
}

/** Writes to stdout/stderr, as JSON for scripts or as tables and colour for people. */
export class Output {
  readonly color: ChalkInstance;

  constructor(
    readonly json: boolean,
    /** Keys whose values are shown as "[redacted]" (--redact). */
    readonly redactFields: ReadonlySet<string> = new Set(),
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {
    this.color = makeChalk(!json && colorEnabled());
  }

  /** A job as JSON, with --redact applied. */
  job(job: Job): JobJson {
    return jobToJson(job, this.redactFields);
  }

  /** Any payload-like value with --redact applied. */
  redact(value: unknown): unknown {
    return redactValue(value, this.redactFields);
  }

  /** One line for people; nothing in JSON mode (stdout carries only JSON then). */
  line(text = ''): void {
    if (!this.json) this.stdout.write(`${text}\n`);
  }

  /** The value as JSON on stdout (only in JSON mode). */
  data(value: unknown): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** One compact JSON line (NDJSON streams). */
  jsonLine(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Notes and progress for people, on stderr so stdout stays clean. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  table(head: string[], rows: (string | number)[][]): void {
    if (this.json) return;
    const table = new Table({ head: head.map((h) => this.color.bold(h)), style: { head: [], border: [] } });
    for (const row of rows) table.push(row.map(String));
    this.stdout.write(`${table.toString()}\n`);
  }

  /** A state name, coloured by what it means. */
  state(status: string): string {
    const c = this.color;
    switch (status) {
      case 'success':
        return c.green(status);
      case 'failed':
        return c.red(status);
      case 'retrying':
        return c.yellow(status);
      case 'running':
        return c.cyan(status);
      case 'cancelled':
        return c.gray(status);
      default:
        return status;
    }
  }
}
