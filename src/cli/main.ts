import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { registerCompletionCommands } from './commands/completion.js';
import { registerCronCommands } from './commands/cron.js';
import { registerDlqCommands } from './commands/dlq.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerEnqueueCommand } from './commands/enqueue.js';
import { registerEventsCommands } from './commands/events.js';
import { registerJobCommands } from './commands/jobs.js';
import { registerQueueCommands } from './commands/queues.js';
import { registerStatsCommand } from './commands/stats.js';
import { registerSteerCommands } from './commands/steer.js';
import { registerTopCommand } from './commands/top.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerWorkersCommand } from './commands/workers.js';
import { settingHelp } from './config-help.js';
import { actionResult } from './context.js';
import { examples } from './help.js';
import { EXIT, exitCodeFor, type ExitCode } from './errors.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('jobs')
    .description('Redis-backed background jobs: enqueue, run workers, inspect queues')
    .version(packageVersion(), '-V, --version')
    // every subcommand's help lists these too
    .configureHelp({ showGlobalOptions: true })
    .addOption(new Option('--redis <url>', settingHelp('redis', 'Redis URL')))
    .addOption(new Option('--prefix <prefix>', settingHelp('prefix', 'key prefix')))
    .addOption(new Option('--queue <name>', settingHelp('queue', 'queue name')))
    .addOption(new Option('--redact <fields>', settingHelp('redact', 'comma-separated payload keys shown as [redacted]')))
    .option('--config <file>', 'config file (default: ./jobs.config.json when present)')
    .option('--json', 'print JSON on stdout, for scripts')
    .option('--plain', 'tables as tab-separated text even on a terminal (always so when stdout is not one)')
    .option('--debug', 'print stacks with errors')
    // commander's parse errors as one line, with the way to more help on it
    .configureOutput({ outputError: (text, write) => write(`${text.trimEnd()} (see --help)\n`) })
    .addHelpText(
      'after',
      `${examples('jobs enqueue send-email --data \'{"to":"a@example.com"}\'', 'jobs worker --concurrency 8', 'jobs list --state failed --json', 'jobs doctor')}\n\nExit codes: 0 ok, 1 failed, 2 bad usage or input, 3 not found, 4 Redis unreachable, 5 timed out`,
    );
  registerEnqueueCommand(program);
  registerWorkerCommand(program);
  registerJobCommands(program);
  registerSteerCommands(program);
  registerStatsCommand(program);
  registerDlqCommands(program);
  registerQueueCommands(program);
  registerCronCommands(program);
  registerEventsCommands(program);
  registerWorkersCommand(program);
  registerTopCommand(program);
  registerDoctorCommand(program);
  registerCompletionCommands(program);
  return program;
}

/** Runs the CLI and resolves with the process exit code. Never throws. */
export async function run(argv: string[]): Promise<ExitCode> {
  const program = buildProgram();
  // Nested commands (dlq list, queue pause) too, or commander would exit by itself.
  const overrideExit = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(overrideExit);
  };
  overrideExit(program);
  const debug = argv.includes('--debug');
  // `jobs ... | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    actionResult.exitCode = EXIT.ok;
    await program.parseAsync(argv);
    return actionResult.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version end with exit code 0; every other parse error is bad usage
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`jobs: ${message}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}
