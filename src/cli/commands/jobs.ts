import type { Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import type { Job } from '../../core/job.js';
import type { ListState } from '../../core/listing.js';
import { action } from '../context.js';
import { EXIT } from '../errors.js';
import type { Output } from '../output.js';
import { duration, listState, wholeNumber } from '../parse.js';
import { waitForJob } from '../wait.js';

/** `jobs list`, `jobs show`, `jobs cancel`, `jobs wait`: inspect and steer single jobs. */
export function registerJobCommands(program: Command): void {
  program
    .command('list')
    .alias('ls')
    .description('list jobs by state (pending, scheduled and running by default), oldest first')
    .option('--state <state>', 'pending, scheduled, running, retrying, success, failed or cancelled', listState)
    .option('--type <type>', 'only jobs of this type')
    .option('--limit <n>', 'at most this many jobs', wholeNumber(1), 50)
    .option('--offset <n>', 'skip this many jobs', wholeNumber(0), 0)
    .addHelpText('after', '\nExamples:\n  jobs list\n  jobs list --state failed --type send-email --limit 10 --json')
    .action(
      action(async (ctx, opts: { state?: ListState; type?: string; limit: number; offset: number }) => {
        const queue = ctx.queue();
        const states: ListState[] = opts.state ? [opts.state] : ['pending', 'scheduled', 'running'];
        const page = { limit: opts.limit, offset: opts.offset, ...(opts.type ? { type: opts.type } : {}) };
        const rows: { job: Job; state: ListState }[] = [];
        for (const state of states) for (const job of await queue.list(state, page)) rows.push({ job, state });
        ctx.out.data(rows.map(({ job }) => ctx.out.job(job)));
        if (rows.length === 0) return ctx.out.line(`no ${states.join(', ')} jobs in queue "${queue.name}"`);
        ctx.out.table(
          ['id', 'type', 'status', 'attempts', 'created', 'scheduled for', 'error'],
          // a pending job due later is shown as scheduled, as counts() and `jobs stats` count it
          rows.map(({ job: j, state }) => [
            j.id,
            j.type,
            ctx.out.state(state),
            `${j.attempts}/${j.maxAttempts}`,
            j.createdAt.toISOString(),
            j.scheduledFor?.toISOString() ?? '',
            (j.error ?? '').slice(0, 60),
          ]),
        );
      }),
    );

  program
    .command('show <id>')
    .description('everything about one job: payload, attempts, times, last error and stack, result')
    .addHelpText('after', '\nExample:\n  jobs show 42 --json')
    .action(
      action(async (ctx, id: string) => {
        const job = await ctx.queue().requireJob(id);
        ctx.out.data(ctx.out.job(job));
        printJob(ctx.out, job);
      }),
    );

  program
    .command('cancel <id>')
    .description('cancel a pending or retrying job; a running job is asked to stop')
    .addHelpText('after', '\nExample:\n  jobs cancel 42')
    .action(
      action(async (ctx, id: string) => {
        const outcome = await ctx.queue().cancel(id);
        ctx.out.data({ id, cancelled: outcome === 'cancelled', requested: outcome === 'requested' });
        ctx.out.line(outcome === 'cancelled' ? `job ${id} cancelled` : `job ${id} is running; asked it to stop`);
      }),
    );

  program
    .command('wait <id>')
    .description('wait for a job to finish: exit 0 on success, 1 on failure or cancel, 5 on timeout')
    .option('--timeout <duration>', 'give up after this long (e.g. 30s)', duration)
    .addHelpText('after', '\nExample:\n  jobs wait 42 --timeout 2m && echo done')
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
}
