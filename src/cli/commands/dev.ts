import { Option, type Command } from 'commander';
import { action } from '../context.js';
import { commaList, duration, wholeNumber } from '../parse.js';
import { logFormat } from '../worker-log.js';
import type { DevFlags } from './dev-run.js';

/** `jobs dev`: a private Redis in ./.jobs and a worker on every queue, for development. */
export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('development stack: a private redis-server (data in ./.jobs) and a worker on every queue')
    .option('--demo', 'enqueue example jobs (succeeding, retrying, dead-lettered, delayed, cron) into queues demo and demo-media')
    .option('--fresh', 'delete the data of earlier runs (./.jobs/redis) and start empty')
    .option('--handlers <module>', 'JS module whose default export maps job type to handler; reloaded when the file changes')
    .option('--concurrency <n>', 'jobs run at once per queue', wholeNumber(1), 4)
    .addOption(new Option('--shutdown-timeout <duration>', 'on SIGINT/SIGTERM, wait this long for running jobs before stopping Redis').argParser(duration).default(10_000, '10s'))
    .option('--allow-exec', 'enable the built-in exec handler (runs commands; off by default)')
    .option('--exec-allow <cmd,...>', 'with --allow-exec: only these commands may run', commaList)
    .option('--log-format <format>', 'pretty or json (one object per line); default pretty on a terminal, json otherwise', logFormat)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  jobsctl dev --demo                       # see every job state within seconds',
        '  jobsctl dev --handlers ./handlers.js     # your handlers, reloaded on save',
        '  jobsctl dev --fresh                      # forget the jobs of earlier runs',
        '',
        'redis-server must be on PATH (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis).',
        'While it runs, ./.jobs/dev.json holds its Redis URL: jobsctl commands run in this directory use it',
        'when no --redis, REDIS_URL or config file says otherwise. Ctrl-C stops the worker, then Redis.',
      ].join('\n'),
    )
    .action(
      // the stack's modules (redis-server, workers, demo) load only when it runs
      action(async (ctx, flags: DevFlags) => (await import('./dev-run.js')).runDev(ctx, flags)),
    );
}
