import { CommanderError } from 'commander';
import { JobsError } from '../core/errors.js';
import { EXIT, exitCodeFor, OperationFailed, UsageError, type ExitCode } from './errors.js';

/**
 * Every error line starts with this, whichever name the program was started as (`jobs` or
 * `jobsctl`): one prefix that scripts can match.
 */
export const ERROR_PREFIX = 'jobs:';

/** The `--json` form of a failure, one line on stderr (documented in README). */
export interface ErrorJson {
  error: {
    /** A core error's stable code, USAGE for bad usage or input, FAILED, or ERROR for the unexpected. */
    code: string;
    message: string;
    exitCode: ExitCode;
    /** Details the error carries, e.g. `jobId`, `state`, `schedule`. */
    [detail: string]: unknown;
  };
}

/** True when `--json` is among the arguments (before a `--` that ends the options). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

function parseFailure(error: CommanderError): { message: string; exitCode: ExitCode } {
  // commander.help with a non-zero code: a command group was called without its subcommand.
  const message =
    error.code === 'commander.help' ? 'a command name is missing' : error.message.replace(/^error:\s*/, '');
  return { message, exitCode: EXIT.usage };
}

function codeOf(error: unknown): string {
  if (error instanceof CommanderError || error instanceof UsageError) return 'USAGE';
  if (error instanceof JobsError) return error.code;
  if (error instanceof OperationFailed) return 'FAILED';
  return 'ERROR';
}

/** Own string and number fields an error carries beyond its message (jobId, state, schedule). */
function detailsOf(error: unknown): Record<string, string | number> {
  const details: Record<string, string | number> = {};
  if (!(error instanceof JobsError)) return details;
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'code' && key !== 'name' && (typeof value === 'string' || typeof value === 'number')) details[key] = value;
  }
  return details;
}

/**
 * Reports a failed command on stderr and returns its exit code: one line `jobs: <message>`, or
 * with `--json` one `{"error":{...}}` object. Parse errors of commander are bad usage (exit 2).
 */
export function reportFailure(error: unknown, options: { json: boolean; debug: boolean; stderr?: NodeJS.WritableStream }): ExitCode {
  const stderr = options.stderr ?? process.stderr;
  const parse = error instanceof CommanderError ? parseFailure(error) : undefined;
  const message = parse?.message ?? (error instanceof Error ? error.message : String(error));
  const exitCode = parse?.exitCode ?? exitCodeFor(error);
  const stack = options.debug && !parse && error instanceof Error ? error.stack : undefined;
  if (options.json) {
    const body: ErrorJson = { error: { code: codeOf(error), message, exitCode, ...detailsOf(error), ...(stack ? { stack } : {}) } };
    stderr.write(`${JSON.stringify(body)}\n`);
  } else {
    stderr.write(`${ERROR_PREFIX} ${message}${parse ? ' (see --help)' : ''}\n`);
    if (stack) stderr.write(`${stack}\n`);
  }
  return exitCode;
}
