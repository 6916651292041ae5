import type { Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import { InvalidStateError, JobsError } from '../../core/errors.js';
import { action } from '../context.js';
import { UsageError } from '../errors.js';
import { duration, wholeNumber } from '../parse.js';
import { examples } from '../help.js';
import { plural } from '../text.js';
import { printJob, shortTime } from './jobs.js';

/** A job that exists but is not dead-lettered is "not found" in the dead-letter queue (exit 3). */
async function notInDlqAsNotFound<T>(queue: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InvalidStateError) {
      throw new JobsError('NOT_FOUND', `job ${error.jobId} is not in the dead-letter queue of "${queue}" (it is ${error.state})`);
    }
    throw error;
  }
}

/** `jobs dlq list|show|retry|purge`: the failed jobs of a queue. */
export function registerDlqCommands(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('the dead-letter queue: jobs that failed for good')
    .addHelpText('after', examples('jobs dlq list', 'jobs dlq retry 17 18', 'jobs dlq purge --older-than 7d --yes'));

  dlq
    .command('list')
    .description('failed jobs, oldest failure first, a page at a time')
    .option('--type <type>', 'only jobs of this type')
    .option('--limit <n>', 'at most this many jobs', wholeNumber(1), 50)
    .option('--offset <n>', 'skip this many jobs', wholeNumber(0), 0)
    .option('-q, --quiet', 'print only the ids, one per line')
    .addHelpText('after', examples('jobs dlq list', 'jobs dlq list --type webhook --limit 10 --json', 'jobs dlq list --type webhook -q | xargs jobs dlq retry'))
    .action(
      action(async (ctx, flags: { type?: string; limit: number; offset: number }) => {
        const queue = ctx.queue();
        const jobs = await queue.deadLetters.list({ limit: flags.limit, offset: flags.offset, ...(flags.type ? { type: flags.type } : {}) });
        if (ctx.out.ids(jobs.map((job) => job.id))) return;
        ctx.out.data(jobs.map((job) => ctx.out.job(job)));
        if (jobs.length === 0) ctx.out.line(`no failed jobs in queue "${queue.name}"${flags.offset > 0 ? ` past offset ${flags.offset}` : ''}`);
        else {
          ctx.out.table(
            ['id', 'type', 'attempts', 'failed at', 'error'],
            jobs.map((j) => [j.id, j.type, `${j.attempts}/${j.maxAttempts}`, shortTime(j.finishedAt), ctx.out.color.red(j.error ?? '')]),
          );
        }
        const total = flags.type === undefined ? await queue.deadLetters.size() : undefined;
        ctx.out.pageFooter({ offset: flags.offset, shown: jobs.length, total, limit: flags.limit });
      }),
    );

  dlq
    .command('show <id>')
    .description('everything about one failed job, with its last error and stack')
    .addHelpText('after', examples('jobs dlq show 17', 'jobs dlq show 17 --json'))
    .action(
      action(async (ctx, id: string) => {
        const queue = ctx.queue();
        const job = await notInDlqAsNotFound(queue.name, () => queue.deadLetters.get(id));
        ctx.out.data(ctx.out.job(job));
        printJob(ctx.out, job);
      }),
    );

  dlq
    .command('retry [ids...]')
    .description('move failed jobs back to pending with their attempts reset')
    .option('--all', 'retry every failed job (asks first; --yes outside a terminal)')
    .option('--type <type>', 'with --all: only jobs of this type')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples('jobs dlq retry 17 18', 'jobs dlq retry --all --type webhook --yes'))
    .action(
      action(async (ctx, ids: string[], flags: { all?: boolean; type?: string; yes?: boolean }) => {
        if (flags.all && ids.length > 0) throw new UsageError('give job ids or --all, not both');
        if (!flags.all && ids.length === 0) throw new UsageError('give the ids of the jobs to retry, or --all');
        if (flags.type !== undefined && !flags.all) throw new UsageError('--type only applies with --all');
        const queue = ctx.queue();
        if (!flags.all) {
          const retried = await notInDlqAsNotFound(queue.name, () => queue.deadLetters.retry(ids));
          ctx.out.data({ retried, ids });
          return ctx.out.line(`${plural(retried, 'job')} moved back to pending in queue "${queue.name}"`);
        }
        const which =
          flags.type === undefined ? `all ${plural(await queue.deadLetters.size(), 'failed job')}` : `every failed job of type "${flags.type}"`;
        await ctx.confirm(`Retry ${which} in queue "${queue.name}"?`, flags.yes);
        const retried = await queue.deadLetters.retryAll(flags.type === undefined ? {} : { type: flags.type });
        ctx.out.data({ retried });
        ctx.out.line(`${plural(retried, 'job')} moved back to pending in queue "${queue.name}"`);
      }),
    );

  dlq
    .command('purge')
    .description('delete failed jobs for good: all of them, or those that failed long enough ago')
    .option('--older-than <duration>', 'only jobs that failed more than this long ago (e.g. 7d)', duration)
    .option('--all', 'every failed job')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples('jobs dlq purge --older-than 30d', 'jobs dlq purge --all --yes --json'))
    .action(
      action(async (ctx, flags: { olderThan?: number; all?: boolean; yes?: boolean }) => {
        if (flags.all && flags.olderThan !== undefined) throw new UsageError('give --all or --older-than, not both');
        if (!flags.all && flags.olderThan === undefined) throw new UsageError('say which failed jobs to delete: --all or --older-than <duration>');
        const queue = ctx.queue();
        const which =
          flags.olderThan === undefined
            ? `all ${plural(await queue.deadLetters.size(), 'failed job')}`
            : `failed jobs older than ${formatDuration(flags.olderThan)}`;
        await ctx.confirm(`Delete ${which} of queue "${queue.name}" for good?`, flags.yes);
        const purged = await queue.deadLetters.purge(flags.olderThan === undefined ? {} : { olderThanMs: flags.olderThan });
        ctx.out.data({ purged });
        ctx.out.line(`${plural(purged, 'failed job')} deleted from queue "${queue.name}"`);
      }),
    );
}
