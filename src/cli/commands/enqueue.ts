import { InvalidArgumentError, type Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import { JobNotFoundError, JobsError, PayloadTooLargeError } from '../../core/errors.js';
import type { RemovedOutcome } from '../../core/idempotency.js';
import type { Backoff, Job } from '../../core/job.js';
import { encodeJob, type EnqueueOptions, type JobSpec } from '../../core/options.js';
import type { Queue } from '../../core/queue.js';
import { settingHelp } from '../config-help.js';
import { action, type CliContext } from '../context.js';
import { EXIT, UsageError } from '../errors.js';
import { parseJson, readInput, readPayloadFlags } from '../input.js';
import { duration, wholeNumber } from '../parse.js';
import { ProgressBar } from '../progress.js';
import { plural } from '../text.js';
import { waitForJob } from '../wait.js';
import { waitAndReport } from './jobs.js';

interface EnqueueFlags {
  payload?: string;
  data?: string;
  ndjson?: string;
  delay?: number;
  at?: Date;
  priority?: number;
  maxAttempts?: number;
  backoff?: Partial<Backoff>;
  timeout?: number;
  key?: string;
  wait?: boolean;
  waitTimeout?: number;
}

/** Jobs per enqueueMany call in --ndjson mode: one script call each, and one progress step. */
const NDJSON_BATCH = 1000;

function isoTime(value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError(`"${value}" is not an ISO-8601 time; use e.g. 2030-01-31T09:00:00Z`);
  }
  return at;
}

/** `<base>[:<cap>]`, both durations, e.g. `2s:1m`. */
function backoff(value: string): Partial<Backoff> {
  const [base = '', cap, ...rest] = value.split(':');
  try {
    if (rest.length > 0) throw new Error('too many parts');
    const baseMs = parseDuration(base, 'backoff base');
    if (cap === undefined) return { baseMs };
    const capMs = parseDuration(cap, 'backoff cap');
    if (capMs < baseMs) throw new Error('the cap must not be below the base');
    return { baseMs, capMs };
  } catch (error) {
    throw new InvalidArgumentError(`"${value}" is not <base>[:<cap>] (e.g. 2s or 2s:5m): ${(error as Error).message}`);
  }
}

function enqueueOptions(flags: EnqueueFlags): EnqueueOptions {
  const options: EnqueueOptions = {};
  if (flags.delay !== undefined) options.delay = flags.delay;
  if (flags.at !== undefined) options.runAt = flags.at;
  if (flags.priority !== undefined) options.priority = flags.priority;
  if (flags.maxAttempts !== undefined) options.maxAttempts = flags.maxAttempts;
  if (flags.backoff !== undefined) options.backoff = flags.backoff;
  if (flags.timeout !== undefined) options.timeout = flags.timeout;
  if (flags.key !== undefined) options.idempotencyKey = flags.key;
  return options;
}

/** Checks a job before anything is written; a bad option or type is a usage error. */
function checkSpec(spec: JobSpec, maxPayloadBytes: number, where = ''): void {
  try {
    encodeJob(spec, maxPayloadBytes);
  } catch (error) {
    if (error instanceof PayloadTooLargeError) {
      const raise = 'raise the limit with --max-payload-bytes <size> (e.g. 2mb)';
      throw new UsageError(`${where}${new PayloadTooLargeError(error.jobType, error.bytes, error.limit, raise).message}; nothing was enqueued`);
    }
    if (error instanceof JobsError) throw new UsageError(`${where}${error.message}; nothing was enqueued`);
    throw error;
  }
}

function checkFlags(flags: EnqueueFlags): void {
  if (flags.delay !== undefined && flags.at !== undefined) throw new UsageError('give either --delay or --at, not both');
  if (flags.payload !== undefined && flags.data !== undefined) throw new UsageError('give either --payload or --data, not both');
  if (flags.waitTimeout !== undefined && !flags.wait) throw new UsageError('--wait-timeout needs --wait');
  if (flags.ndjson !== undefined) {
    const clash = (['payload', 'data', 'key', 'wait'] as const).find((name) => flags[name] !== undefined);
    if (clash) throw new UsageError(`--ndjson cannot be combined with --${clash}: each line is one payload`);
  }
}

async function singlePayload(flags: EnqueueFlags): Promise<unknown> {
  const payload = await readPayloadFlags(flags);
  return payload === undefined ? {} : payload;
}

/** What `--key` knows of an earlier job with the key: the job, or how it ended before it was deleted. */
async function keyedState(queue: Queue, id: string, key: string | undefined): Promise<{ job: Job | null; removedAs: RemovedOutcome | null }> {
  const record = key === undefined ? null : await queue.findByIdempotencyKey(key);
  if (record?.id === id) return record;
  return { job: await queue.getJob(id), removedAs: null };
}

const ENDED: Record<RemovedOutcome, string> = { success: 'succeeded', failed: 'failed', cancelled: 'was cancelled' };

interface EnqueueReport {
  id: string;
  queue: string;
  type: string;
  duplicate: boolean;
}

/** What `--json` prints for one enqueue (documented in README). */
function enqueueJson(report: EnqueueReport, status: string, outcome?: RemovedOutcome): Record<string, unknown> {
  const { id, queue, type, duplicate } = report;
  return { id, queue, type, status, ...(outcome === undefined ? {} : { outcome }), duplicate };
}

/** Reports a job that finished and was deleted (retention, a dead-letter purge); exits by how it ended. */
function reportRemoved(ctx: CliContext, report: EnqueueReport, outcome: RemovedOutcome): 0 | 1 {
  ctx.out.data(enqueueJson(report, 'removed', outcome));
  ctx.out.note(`job ${report.id} ${ENDED[outcome]} and was removed (retention or a dead-letter purge); its result is no longer stored`);
  return outcome === 'success' ? EXIT.ok : EXIT.failed;
}

async function enqueueOne(ctx: CliContext, queue: Queue, type: string, flags: EnqueueFlags): Promise<0 | 1> {
  const spec: JobSpec = { type, payload: await singlePayload(flags), options: enqueueOptions(flags) };
  checkSpec(spec, ctx.config.maxPayloadBytes);
  const { id, duplicate } = await queue.enqueue(spec.type, spec.payload, spec.options);
  const report: EnqueueReport = { id, queue: queue.name, type, duplicate };
  // A duplicate points at an earlier job, which may have moved on since, or finished and been deleted.
  const earlier = duplicate ? await keyedState(queue, id, flags.key) : null;
  if (earlier) {
    const what = earlier.job ? `(${earlier.job.status}) ` : '';
    ctx.out.note(`idempotency key "${flags.key ?? ''}" was seen before: job ${id} ${what}is the original; nothing enqueued`);
  }
  ctx.out.line(id);
  if (earlier?.removedAs) return reportRemoved(ctx, report, earlier.removedAs);
  if (flags.wait) {
    try {
      return waitAndReport(ctx.out, await waitForJob(ctx.out, queue, id, flags.waitTimeout));
    } catch (error) {
      // deleted while waited for (retention keeps no finished job): the key still tells how it ended
      if (!(error instanceof JobNotFoundError)) throw error;
      const gone = await keyedState(queue, id, flags.key);
      if (!gone.removedAs) throw error;
      return reportRemoved(ctx, report, gone.removedAs);
    }
  }
  ctx.out.data(enqueueJson(report, earlier ? (earlier.job?.status ?? 'unknown') : 'pending'));
  return 0;
}

/** Parses every line before anything is written, so a bad line leaves the queue untouched. */
function parseNdjson(text: string, type: string, options: EnqueueOptions, maxPayloadBytes: number): JobSpec[] {
  const specs: JobSpec[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `--ndjson line ${index + 1}`;
    const spec: JobSpec = { type, payload: parseJson(line, where), options };
    checkSpec(spec, maxPayloadBytes, `${where}: `);
    specs.push(spec);
  });
  return specs;
}

async function enqueueNdjson(ctx: CliContext, queue: Queue, type: string, flags: EnqueueFlags, path: string): Promise<void> {
  const specs = parseNdjson(await readInput(path, '--ndjson'), type, enqueueOptions(flags), ctx.config.maxPayloadBytes);
  const bar = new ProgressBar(specs.length, `enqueue ${type}`);
  const ids: string[] = [];
  let duplicates = 0;
  for (let start = 0; start < specs.length; start += NDJSON_BATCH) {
    for (const result of await queue.enqueueMany(specs.slice(start, start + NDJSON_BATCH))) {
      ids.push(result.id);
      if (result.duplicate) duplicates += 1;
    }
    bar.update(ids.length);
  }
  bar.finish();
  ctx.out.data({ count: ids.length, ids });
  if (ids.length === 0) return ctx.out.note(`${path === '-' ? 'stdin' : path} holds no payloads; nothing enqueued`);
  const range = ids.length === 1 ? `id ${ids[0]}` : `ids ${ids[0]}..${ids[ids.length - 1]}`;
  ctx.out.line(`enqueued ${plural(ids.length, `"${type}" job`)} to queue "${queue.name}" (${range})${duplicates ? `, ${plural(duplicates, 'duplicate')}` : ''}`);
}

/** `jobs enqueue <type>`: one job from --data/--payload, or many from --ndjson. */
export function registerEnqueueCommand(program: Command): void {
  program
    .command('enqueue <type>')
    .description('add a job (prints its id), or one job per line of an NDJSON file')
    .option('--data <json>', 'the payload as JSON (default {})')
    .option('--payload <file>', 'read the payload from a JSON file (- for stdin)')
    .option('--ndjson <file>', 'enqueue one job per line of this NDJSON file (- for stdin), in bulk')
    .option('--delay <duration>', 'run no sooner than this from now (e.g. 10s, 5m, 1h30m)', duration)
    .option('--at <time>', 'run no sooner than this ISO-8601 time', isoTime)
    .option('--priority <n>', '0..1000, higher runs first (default 0)', wholeNumber(0))
    .option('--max-attempts <n>', 'attempts before the job is dead-lettered (default 3)', wholeNumber(1))
    .option('--backoff <base[:cap]>', 'retry delay base and cap (default 1s:1h)', backoff)
    .option('--timeout <duration>', 'abort an attempt after this long', duration)
    .option('--key <key>', 'idempotency key: enqueueing again with it returns the first job')
    .option('--wait', 'wait for the job to finish and exit like `jobs wait`')
    .option('--wait-timeout <duration>', 'with --wait: give up after this long (exit 5)', duration)
    .option('--max-payload-bytes <size>', settingHelp('maxPayloadBytes', 'largest payload accepted, in bytes (512kb, 2mb)'))
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  jobs enqueue send-email --data \'{"to":"a@example.com"}\'',
        '  jobs enqueue report --payload report.json --delay 10m --max-attempts 5 --backoff 5s:10m',
        '  echo \'{"url":"https://example.com"}\' | jobs enqueue webhook --payload - --key order-42',
        '  jobs enqueue resize --ndjson images.ndjson --json',
        '  jobs enqueue build --data \'{"ref":"main"}\' --wait --wait-timeout 10m',
      ].join('\n'),
    )
    .action(
      action(async (ctx, type: string, flags: EnqueueFlags) => {
        checkFlags(flags);
        const queue = ctx.queue();
        if (flags.ndjson !== undefined) return enqueueNdjson(ctx, queue, type, flags, flags.ndjson);
        return enqueueOne(ctx, queue, type, flags);
      }),
    );
}
