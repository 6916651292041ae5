import type { Command } from 'commander';
import { InvalidStateError, JobNotFoundError, JobsError } from '../../core/errors.js';
import { RETRYABLE_STATES } from '../../core/job-actions.js';
import type { Job } from '../../core/job.js';
import type { Queue } from '../../core/queue.js';
import { action } from '../context.js';
import { examples } from '../help.js';
import { plural } from '../text.js';

/** The jobs of these ids, in the order given (repeats dropped); an unknown id throws (exit 3). */
async function requireAll(queue: Queue, ids: readonly string[]): Promise<Job[]> {
  const wanted = [...new Set(ids)];
  const found = new Map((await queue.getJobs(wanted)).map((job) => [job.id, job]));
  return wanted.map((id) => {
    const job = found.get(id);
    if (!job) throw new JobNotFoundError(id, queue.name);
    return job;
  });
}

const FINISHED = ['success', 'failed', 'cancelled'];

/** `jobs cancel`, `jobs retry`, `jobs delete`: change the state of jobs given by id. */
export function registerSteerCommands(program: Command): void {
  program
    .command('cancel <ids...>')
    .description('cancel pending, scheduled or retrying jobs; a running job is asked to stop (all ids are checked first)')
    .addHelpText(
      'after',
      `${examples('jobs cancel 42', 'jobs cancel 42 43 44 --json')}\n\n--json prints {"id","cancelled","requested"} for one id, an array of them for several.`,
    )
    .action(
      action(async (ctx, ids: string[]) => {
        const queue = ctx.queue();
        const jobs = await requireAll(queue, ids);
        const done = jobs.find((job) => FINISHED.includes(job.status));
        if (done) throw new InvalidStateError(done.id, done.status, 'cancel');
        const results: { id: string; cancelled: boolean; requested: boolean }[] = [];
        for (const job of jobs) {
          const outcome = await queue.cancel(job.id);
          results.push({ id: job.id, cancelled: outcome === 'cancelled', requested: outcome === 'requested' });
          ctx.out.line(outcome === 'cancelled' ? `job ${job.id} cancelled` : `job ${job.id} is running; asked it to stop`);
        }
        ctx.out.data(ids.length === 1 ? results[0] : results);
      }),
    );

  program
    .command('retry <ids...>')
    .description('run finished jobs (success, failed or cancelled) again: back to pending with attempts reset')
    .addHelpText(
      'after',
      `${examples('jobs retry 42', 'jobs retry 42 43 --json', 'jobs list --state cancelled -q | xargs jobs retry')}\n\nAll ids are checked first: an unknown id exits 3, a pending, running or retrying job exits 1, and nothing is retried.`,
    )
    .action(
      action(async (ctx, ids: string[]) => {
        const queue = ctx.queue();
        const jobs = await requireAll(queue, ids);
        const busy = jobs.find((job) => !RETRYABLE_STATES.includes(job.status));
        if (busy) throw new InvalidStateError(busy.id, busy.status, 'retry');
        const retried = await queue.retry(jobs.map((job) => job.id));
        ctx.out.data({ retried, ids: jobs.map((job) => job.id) });
        ctx.out.line(`${plural(retried, 'job')} moved back to pending in queue "${queue.name}"`);
      }),
    );

  program
    .command('delete <ids...>')
    .alias('rm')
    .description('delete jobs for good, in any state but running (unless --force); asks first on a terminal')
    .option('--force', 'delete running jobs too: their worker keeps running the handler until its next heartbeat aborts it, and its outcome is discarded')
    .option('-y, --yes', 'do not ask for confirmation (needed when not on a terminal)')
    .addHelpText('after', examples('jobs delete 42', 'jobs delete 42 43 --yes --json', 'jobs list --state failed -q | xargs jobs delete --yes'))
    .action(
      action(async (ctx, ids: string[], flags: { force?: boolean; yes?: boolean }) => {
        const queue = ctx.queue();
        const jobs = await requireAll(queue, ids);
        const running = jobs.find((job) => job.status === 'running');
        if (running && !flags.force) {
          throw new JobsError('INVALID_STATE', `cannot delete job ${running.id}: it is running; cancel it, or pass --force (nothing was deleted)`);
        }
        const which = jobs.length === 1 ? `job ${jobs[0]?.id} (${jobs[0]?.status})` : plural(jobs.length, 'job');
        await ctx.confirm(`Delete ${which} of queue "${queue.name}" for good?`, flags.yes);
        const deleted = await queue.remove(jobs.map((job) => job.id), { force: Boolean(flags.force) });
        ctx.out.data({ deleted, ids: jobs.map((job) => job.id) });
        ctx.out.line(`${plural(deleted, 'job')} deleted from queue "${queue.name}"`);
      }),
    );
}
