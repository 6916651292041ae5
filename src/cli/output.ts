import { Chalk, type ChalkInstance } from 'chalk';
import type { Job } from '../core/job.js';
import { redactValue } from './redact.js';
import { pageFooter, renderTable } from './table.js';

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
  /** Its attempts, oldest first (see Job.history). */
  history: { attempt: number; startedAt: string | null; finishedAt: string | null; worker: string | null; outcome: string; error: string | null }[];
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
    history: job.history.map((a) => ({ ...a, startedAt: iso(a.startedAt), finishedAt: iso(a.finishedAt) })),
  };
}

/** How tables are drawn: for a terminal, or as plain tab-separated text. */
export interface DisplayOptions {
  /** --plain: tab-separated text even on a terminal. */
  plain?: boolean;
  /** -q/--quiet: print only ids (see Output.ids). */
  quiet?: boolean;
}

/** Writes to stdout/stderr, as JSON for scripts or as tables and colour for people. */
export class Output {
  readonly color: ChalkInstance;
  /** Tables as tab-separated text: stdout is not a terminal, or --plain. */
  readonly plain: boolean;
  readonly quiet: boolean;

  constructor(
    readonly json: boolean,
    /** Keys whose values are shown as "[redacted]" (--redact). */
    readonly redactFields: ReadonlySet<string> = new Set(),
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
    display: DisplayOptions = {},
  ) {
    const terminal = Boolean((stdout as NodeJS.WriteStream).isTTY);
    this.plain = Boolean(display.plain) || !terminal;
    this.quiet = Boolean(display.quiet);
    this.color = makeChalk(!json && !this.plain && colorEnabled());
  }

  /** A job as JSON, with --redact applied. */
  job(job: Job): JobJson {
    return jobToJson(job, this.redactFields);
  }

  /** Any payload-like value with --redact applied. */
  redact(value: unknown): unknown {
    return redactValue(value, this.redactFields);
  }

  /** One line for people; nothing in JSON or quiet mode (stdout carries only JSON or ids then). */
  line(text = ''): void {
    if (!this.json && !this.quiet) this.stdout.write(`${text}\n`);
  }

  /** -q/--quiet: one id (or name) per line, for piping into other commands. True when it printed. */
  ids(ids: readonly string[]): boolean {
    if (!this.quiet || this.json) return false;
    for (const id of ids) this.stdout.write(`${id}\n`);
    return true;
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

  /** A table: aligned and sized to the terminal, or tab-separated when plain (see table.ts). */
  table(head: string[], rows: (string | number)[][]): void {
    if (this.json || this.quiet) return;
    const width = (this.stdout as NodeJS.WriteStream).columns;
    const lines = renderTable(head, rows.map((row) => row.map(String)), {
      plain: this.plain,
      width: this.plain || !width ? undefined : width,
      header: (text) => this.color.bold(text),
    });
    this.stdout.write(`${lines.join('\n')}\n`);
  }

  /**
   * "50 of 120 · next: --offset 50" under a page that is not the whole list: on stdout under a
   * terminal table, on stderr when plain (stdout keeps only rows), nothing with --json or -q.
   */
  pageFooter(page: { offset: number; shown: number; total: number | undefined; limit: number }): void {
    if (this.json || this.quiet) return;
    const footer = pageFooter(page);
    if (footer === undefined) return;
    if (this.plain) this.stderr.write(`${footer}\n`);
    else this.stdout.write(`${this.color.gray(footer)}\n`);
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
