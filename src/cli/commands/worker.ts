import type { Command } from 'commander';
import { settingHelp } from '../config-help.js';
import { action } from '../context.js';
import { examples } from '../help.js';

/** `jobs worker`: runs handlers for the jobs of one or more queues. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run jobs: built-in handlers plus those of --handlers, one worker per queue')
    .option('--concurrency <n>', settingHelp('concurrency', 'jobs run at once per queue'))
    .option('--handlers <module>', settingHelp('handlers', 'JS module (path from the working directory) whose default export maps job type to handler; .ts needs a TypeScript loader'))
    .option('--queues <a,b>', settingHelp('queues', 'queues to work on'))
    .option('--drain', settingHelp('drain', 'exit once no job is pending and due, running or retrying'))
    .option('--fail-on-dead-letter', settingHelp('failOnDeadLetter', 'exit 1 (after the summary) when any job was dead-lettered during the run'))
    .option('--prefetch <n>', settingHelp('prefetch', 'jobs claimed ahead of a free slot while handlers are fast; 0 turns it off'))
    .option('--max-jobs <n>', settingHelp('maxJobs', 'stop after claiming this many jobs per queue'))
    .option('--shutdown-timeout <duration>', settingHelp('shutdownTimeout', 'on SIGINT/SIGTERM, wait this long for running jobs'))
    .option('--allow-exec', settingHelp('allowExec', 'enable the built-in exec handler (runs commands)'))
    .option('--exec-allow <cmd,...>', settingHelp('execAllow', 'with --allow-exec: only these commands may run'))
    .option('--exec-allow-env <name,...>', settingHelp('execAllowEnv', 'with --allow-exec: job env may set these variables that change how programs load code (PATH, LD_PRELOAD...)'))
    .option('--webhook-allow-networks <cidrs>', settingHelp('webhookAllowNetworks', 'internal networks webhooks may reach (e.g. 127.0.0.0/8,10.1.0.0/16)'))
    .option('--no-schedules', settingHelp('schedules', 'do not take part in firing cron schedules'))
    .option('--retention-count <n>', settingHelp('retentionCount', 'succeeded and cancelled jobs kept per queue (-1 all, 0 none)'))
    .option('--retention-age <duration>', settingHelp('retentionAge', 'succeeded and cancelled jobs older than this are removed (0: no limit)'))
    .option('--metrics-port <port>', settingHelp('metricsPort', 'serve Prometheus /metrics and /healthz on this port'))
    .option('--metrics-host <host>', settingHelp('metricsHost', 'interface the metrics server listens on; 0.0.0.0 for every interface'))
    .option('--log-format <format>', settingHelp('logFormat', 'pretty, or json (one object per line)'))
    .addHelpText(
      'after',
      [
        examples(
          'jobs worker --handlers ./handlers.js --concurrency 8',
          'jobs worker --queues emails,webhooks --shutdown-timeout 1m30s',
          'jobs worker --handlers ./handlers.js --drain --fail-on-dead-letter --json   # CI: run the queue to completion',
          'jobs worker --allow-exec --exec-allow convert,ffmpeg',
          'jobs worker --webhook-allow-networks 10.1.0.0/16   # webhooks may reach this internal network',
          'JOBS_CONCURRENCY=16 jobs worker --handlers ./handlers.js --metrics-port 9464 --log-format json',
        ),
        '',
        'handlers.js:',
        '  export default { "resize": async (payload, ctx) => ({ ok: true }) };',
        '',
        'Every option can also come from its JOBS_* variable or the config file (see the README).',
        'SIGINT/SIGTERM stop claiming, record each job that finishes, and hand unfinished jobs back',
        'after --shutdown-timeout; a second SIGINT exits at once.',
        'Exit: 0 done or stopped; 1 a forced exit, or --fail-on-dead-letter and a job was dead-lettered.',
      ].join('\n'),
    )
    .action(
      // the worker's modules (metrics, handlers, the pool) load only when it runs
      action(async (ctx) => (await import('./worker-run.js')).runWorkers(ctx)),
    );
}
