import type { Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import type { Job } from '../../core/job.js';
import type { ListState } from '../../core/listing.js';
import type { Queue, QueueCounts } from '../../core/queue.js';
import { action } from '../context.js';
import { EXIT } from '../errors.js';
import { examples } from '../help.js';
import type { Output } from '../output.js';
import { duration, listState, wholeNumber } from '../parse.js';
import { waitForJob } from '../wait.js';

/** A listed job with the state it was listed under (a pending job due later is `scheduled`). */
interface ListedJob {
  job: Job;
  state: ListState;
}

/** One page across several states (in order), with the total when it is known cheaply. */
async function listPage(queue: Queue, states: ListState[], page: { type?: string; offset: number; limit: number }): Promise<{ rows: ListedJob[]; total: number | undefined }> {
  if (page.type !== undefined) {
    // a type filter has no counter: read up to the page's end in each state and cut
    const upTo = { type: page.type, offset: 0, limit: page.offset + page.limit };
    const all: ListedJob[] = [];
    for (const state of states) for (const job of await queue.list(state, upTo)) all.push({ job, state });
    return { rows: all.slice(page.offset, page.offset + page.limit), total: undefined };
  }
  // counts() counts each state as list() lists it, so whole states can be skipped unread
  const counts: QueueCounts = await queue.counts();
  const rows: ListedJob[] = [];
  let skip = page.offset;
  for (const state of states) {
    const total = counts[state];
    if (skip >= total) {
      skip -= total;
      continue;
    }
    if (rows.length < page.limit) {
      for (const job of await queue.list(state, { offset: skip, limit: page.limit - rows.length })) rows.push({ job, state });
    }
    skip = 0;
  }
  return { rows, total: states.reduce((sum, state) => sum + counts[state], 0) };
}

/** A time to the second, for tables. */
export function shortTime(date: Date | null): string {
  return date ? `${date.toISOString().slice(0, 19)}Z` : '';
}

/** `jobs list`, `jobs show`, `jobs wait`: inspect single jobs. */
export function registerJobCommands(program: Command): void {
  program
    .command('list')
    .alias('ls')
    .description('list jobs by state (pending, scheduled and running by default), oldest first, a page at a time')
    .option('--state <state>', 'pending, scheduled, running, retrying, success, failed or cancelled', listState)
    .option('--type <type>', 'only jobs of this type')
    .option('--limit <n>', 'at most this many jobs', wholeNumber(1), 50)
    .option('--offset <n>', 'skip this many jobs', wholeNumber(0), 0)
    .option('-q, --quiet', 'print only the ids, one per line')
    .addHelpText(
      'after',
      examples('jobs list', 'jobs list --state failed --type send-email --limit 10 --json', 'jobs list --offset 50', 'jobs list --state cancelled -q | xargs jobs retry'),
    )
    .action(
      action(async (ctx, opts: { state?: ListState; type?: string; limit: number; offset: number }) => {
        const queue = ctx.queue();
        const states: ListState[] = opts.state ? [opts.state] : ['pending', 'scheduled', 'running'];
        const { rows, total } = await listPage(queue, states, { limit: opts.limit, offset: opts.offset, ...(opts.type ? { type: opts.type } : {}) });
        if (ctx.out.ids(rows.map(({ job }) => job.id))) return;
        ctx.out.data(rows.map(({ job }) => ctx.out.job(job)));
        if (rows.length === 0) {
          ctx.out.line(`no ${states.join(', ')} jobs in queue "${queue.name}"${opts.offset > 0 ? ` past offset ${opts.offset}` : ''}`);
        } else {
          ctx.out.table(
            ['id', 'type', 'status', 'attempts', 'created', 'scheduled for', 'error'],
            // a pending job due later is shown as scheduled, as counts() and `jobs stats` count it
            rows.map(({ job: j, state }) => [j.id, j.type, ctx.out.state(state), `${j.attempts}/${j.maxAttempts}`, shortTime(j.createdAt), shortTime(j.scheduledFor), j.error ?? '']),
          );
        }
        ctx.out.pageFooter({ offset: opts.offset, shown: rows.length, total, limit: opts.limit });
      }),
    );

  program
    .command('show <id>')
    .description('everything about one job: payload, times, last error and stack, result, and each attempt (worker, outcome, error)')
    .addHelpText('after', examples('jobs show 42', 'jobs show 42 --json'))
    .action(
      action(async (ctx, id: string) => {
        const job = await ctx.queue().requireJob(id);
        ctx.out.data(ctx.out.job(job));
        printJob(ctx.out, job);
      }),
    );

  program
    .command('wait <id>')
    .description('wait for a job to finish: exit 0 on success, 1 on failure or cancel, 5 on timeout')
    .option('--timeout <duration>', 'give up after this long (e.g. 30s)', duration)
    .addHelpText('after', examples('jobs wait 42 --timeout 2m && echo done', 'jobs wait 42 --json'))
    .action(
      action(async (ctx, id: string, opts: { timeout?: number }) => {
        return waitAndReport(ctx.out, await waitForJob(ctx.out, ctx.queue(), id, opts.timeout));
      }),
    );
}

/** Prints a finished job and returns the exit code `jobs wait` promises. */
export function waitAndReport(out: Output, job: Job): 0 | 1 {
  out.data(out.job(job));
  out.line(`job ${job.id} ${out.state(job.status)}${job.error ? `: ${job.error}` : ''}`);
  return job.status === 'success' ? EXIT.ok : EXIT.failed;
}

export function printJob(out: Output, job: Job): void {
  const c = out.color;
  const time = (d: Date | null): string => d?.toISOString() ?? '-';
  const rows: [string, string][] = [
    ['id', job.id],
    ['queue', job.queue],
    ['type', job.type],
    ['status', out.state(job.status) + (job.cancelRequested && job.status === 'running' ? ' (cancel requested)' : '')],
    ['attempts', `${job.attempts}/${job.maxAttempts}`],
    ['priority', String(job.priority)],
    ['created', time(job.createdAt)],
    ['scheduled for', time(job.scheduledFor)],
    ['started', time(job.startedAt)],
    ['finished', time(job.finishedAt)],
    ['timeout', job.timeoutMs === null ? '-' : formatDuration(job.timeoutMs)],
    ['backoff', `${formatDuration(job.backoff.baseMs)} doubling, capped at ${formatDuration(job.backoff.capMs)}`],
  ];
  if (job.idempotencyKey) rows.push(['idempotency key', job.idempotencyKey]);
  for (const [label, value] of rows) out.line(`${c.bold(label.padEnd(16))}${value}`);
  out.line(`${c.bold('payload'.padEnd(16))}${JSON.stringify(out.redact(job.payload))}`);
  if (job.progress !== null) out.line(`${c.bold('progress'.padEnd(16))}${JSON.stringify(out.redact(job.progress))}`);
  if (job.result !== null) out.line(`${c.bold('result'.padEnd(16))}${JSON.stringify(out.redact(job.result))}`);
  if (job.error) out.line(`${c.bold('error'.padEnd(16))}${c.red(job.error)}`);
  if (job.stack) out.line(c.gray(job.stack));
  printHistory(out, job);
}

/** One line per attempt, oldest first: number, start, end, worker, outcome, error. */
function printHistory(out: Output, job: Job): void {
  if (job.history.length === 0) return;
  const c = out.color;
  out.line(c.bold('history'));
  for (const a of job.history) {
    const outcome = a.outcome === 'success' ? c.green(a.outcome) : a.outcome === 'running' ? a.outcome : c.red(a.outcome);
    const fields = [`#${a.attempt}`, a.startedAt?.toISOString() ?? '-', a.finishedAt?.toISOString() ?? '-', a.worker ?? '-', outcome];
    out.line(`  ${fields.join('  ')}${a.error ? `  ${a.error.replace(/\s+/g, ' ')}` : ''}`);
  }
}
