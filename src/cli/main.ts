import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { registerCompletionCommands } from './commands/completion.js';
import { registerCronCommands } from './commands/cron.js';
import { registerDevCommand } from './commands/dev.js';
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
import { EXIT, type ExitCode } from './errors.js';
import { reportFailure, wantsJson } from './failure.js';
import { helpInTermsOf } from './help-name.js';
import { examples } from './help.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The program; `name` is the binary it was started as (`jobs` or `jobsctl`), shown in help. */
export function buildProgram(name = 'jobs'): Command {
  const program = new Command(name)
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
  registerDevCommand(program);
  registerDoctorCommand(program);
  registerCompletionCommands(program);
  return program;
}

/**
 * Runs the CLI and resolves with the process exit code. Never throws. `name` is the binary
 * the user typed, so help and its examples show a command that runs as copied.
 */
export async function run(argv: string[], name = 'jobs'): Promise<ExitCode> {
  const program = buildProgram(name);
  const json = wantsJson(argv);
  const debug = argv.includes('--debug');
  const inTermsOfName = helpInTermsOf(program, name);
  // Nested commands (dlq list, queue pause) too, or commander would exit by itself. Parse
  // errors are reported by reportFailure, as `jobs: ...` or as JSON; help shown because a
  // subcommand is missing is left out of JSON mode's stderr.
  const configure = (command: Command): void => {
    command.exitOverride().configureOutput({
      outputError: () => undefined,
      writeOut: (text) => process.stdout.write(inTermsOfName(text)),
      writeErr: (text) => (json ? true : process.stderr.write(inTermsOfName(text))),
    });
    command.commands.forEach(configure);
  };
  configure(program);
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
    // help and version end with exit code 0
    if (error instanceof CommanderError && error.exitCode === 0) return EXIT.ok;
    return reportFailure(error, { json, debug });
  }
}
