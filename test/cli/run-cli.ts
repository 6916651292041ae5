import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root; the tests run the built binary from here. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name: 'jobs' | 'jobsctl' = 'jobs'): string => `${ROOT}bin/${name}.js`;
export const BIN = bin('jobs');
export const HANDLERS_FIXTURE = 'test/fixtures/cli-handlers.mjs';

if (!existsSync(`${ROOT}dist/cli/main.js`)) {
  throw new Error('the CLI is not built: run `npm run build` before these tests');
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Redis URL, queue and prefix become REDIS_URL, JOBS_QUEUE, JOBS_PREFIX. */
  redis?: string;
  queue?: string;
  prefix?: string;
  /** Written to stdin, which is then closed. */
  input?: string;
  env?: Record<string, string>;
  cwd?: string;
  /** The binary to run (default jobs). */
  bin?: 'jobs' | 'jobsctl';
}

export function cliEnv(options: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  // Never let the developer's own settings leak in (or reach a Redis on 6379).
  for (const name of Object.keys(env)) if (name === 'REDIS_URL' || name.startsWith('JOBS_')) delete env[name];
  if (options.redis !== undefined) env.REDIS_URL = options.redis;
  if (options.queue !== undefined) env.JOBS_QUEUE = options.queue;
  if (options.prefix !== undefined) env.JOBS_PREFIX = options.prefix;
  return { ...env, ...options.env };
}

/** Starts `jobs <args>` and leaves it running (workers, --watch). */
export function startCli(args: string[], options: CliOptions = {}): ChildProcess & { output: CliResult; exited: Promise<CliResult> } {
  const child = spawn(process.execPath, [bin(options.bin), ...args], { cwd: options.cwd ?? ROOT, env: cliEnv(options), stdio: 'pipe' });
  const output: CliResult = { code: null, stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output.stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output.stderr += text));
  child.stdin.end(options.input ?? '');
  const exited = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => {
      output.code = code;
      resolve(output);
    }),
  );
  return Object.assign(child, { output, exited });
}

/** Runs `jobs <args>` to the end. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).exited;
}

/** Runs the command and parses its stdout as one JSON document. */
export async function runJson<T>(args: string[], options: CliOptions = {}): Promise<{ code: number | null; json: T; stderr: string }> {
  const result = await runCli([...args, '--json'], options);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout of jobs ${args.join(' ')} is not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return { code: result.code, json, stderr: result.stderr };
}

/** The lines of NDJSON output, parsed. */
export function ndjson<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}
