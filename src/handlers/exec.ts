import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { PermanentError, ValidationError } from '../core/errors.js';
import type { JobContext, JobHandler } from '../core/handler.js';
import { checkJobEnv } from './exec-env.js';
import { abortError, PayloadReader } from './payload.js';

/** Payload of an `exec` job. */
export interface ExecPayload {
  /** Program to run: a name looked up on PATH, or a path. Never run through a shell. */
  command: string;
  /** Arguments, passed as they are (no globbing, no variable expansion, no quoting needed). */
  args?: string[];
  /** Working directory; default the worker's. */
  cwd?: string;
  /**
   * Variables added to (or overriding) the worker's environment. Those that change how programs
   * find or load code (PATH, LD_*, NODE_OPTIONS...) are refused unless the worker allows them.
   */
  env?: Record<string, string>;
  /** Written to the program's standard input; without it stdin is empty. */
  stdin?: string;
}

/** Result of a command that exited 0. */
export interface ExecResult {
  exitCode: number;
  /** The last OUTPUT_TAIL_BYTES of standard output. */
  stdout: string;
  /** The last OUTPUT_TAIL_BYTES of standard error. */
  stderr: string;
  durationMs: number;
}

export interface ExecHandlerOptions {
  /** Run commands at all. Default false: every exec job fails permanently. */
  allowExec?: boolean;
  /** When given, only these command names (exact match) run. */
  execAllow?: readonly string[];
  /**
   * Variables a job's `env` may set although they change how programs find or load code
   * (`PATH`, `LD_PRELOAD`, `NODE_OPTIONS`...), by exact name. Default none: such a job fails
   * permanently before anything starts.
   */
  execAllowEnv?: readonly string[];
}

const OUTPUT_TAIL_BYTES = 4096;
/** After SIGTERM on abort, the process group gets this long before SIGKILL. */
const KILL_GRACE_MS = 2000;
/** After the program exits, how long to wait for output still held open by its children. */
const OUTPUT_DRAIN_MS = 1000;

/** Keeps the last `limit` bytes of a stream. */
class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - (this.chunks[0]?.length ?? 0) >= this.limit) {
      this.size -= this.chunks.shift()?.length ?? 0;
    }
  }

  text(): string {
    const bytes = Buffer.concat(this.chunks);
    return bytes.subarray(Math.max(0, bytes.length - this.limit)).toString('utf8');
  }
}

function readPayload(payload: unknown): ExecPayload {
  const reader = new PayloadReader('exec', payload);
  const command = reader.requiredString('command');
  const result: ExecPayload = { command };
  const args = reader.optionalStringArray('args');
  const cwd = reader.optionalString('cwd');
  const env = reader.optionalStringRecord('env');
  const stdin = reader.optionalText('stdin');
  if (command.includes('\0') || args?.some((arg) => arg.includes('\0'))) throw reader.invalid('command', 'and "args" must not contain NUL bytes');
  for (const [name, value] of Object.entries(env ?? {})) {
    if (name.length === 0 || name.includes('=') || name.includes('\0') || value.includes('\0')) {
      throw reader.invalid('env', `has an unusable variable ${JSON.stringify(name)}`);
    }
  }
  if (args !== undefined) result.args = args;
  if (cwd !== undefined) result.cwd = cwd;
  if (env !== undefined) result.env = env;
  if (stdin !== undefined) result.stdin = stdin;
  return result;
}

/**
 * With a whitelist, a bare command name is resolved on the worker's own PATH, so a job cannot
 * swap the program by setting PATH in its `env`.
 */
async function resolveOnWorkerPath(command: string): Promise<string> {
  if (command.includes('/')) return command;
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (!isAbsolute(directory)) continue;
    const candidate = join(directory, command);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  throw new PermanentError(`exec: command ${JSON.stringify(command)} not found on the worker's PATH`);
}

async function checkDirectory(cwd: string): Promise<void> {
  try {
    if ((await stat(cwd)).isDirectory()) return;
  } catch {
    // Reported below.
  }
  throw new PermanentError(`exec: working directory ${JSON.stringify(cwd)} does not exist or is not a directory`);
}

/** Signals the child's whole process group (it was spawned detached, so it leads one). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (process.platform === 'win32') child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

function lastLine(text: string): string {
  const line = text.trimEnd().split('\n').pop()?.trim() ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

async function run(request: ExecPayload, executable: string, ctx: JobContext): Promise<ExecResult> {
  if (ctx.signal.aborted) throw abortError(ctx.signal);
  const startedAt = performance.now();
  const child = spawn(executable, request.args ?? [], {
    cwd: request.cwd,
    env: { ...process.env, ...request.env },
    shell: false,
    detached: process.platform !== 'win32',
    windowsHide: true,
    stdio: [request.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const stdout = new OutputTail(OUTPUT_TAIL_BYTES);
  const stderr = new OutputTail(OUTPUT_TAIL_BYTES);
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  if (child.stdin) {
    child.stdin.on('error', () => undefined); // EPIPE when the program exits without reading
    child.stdin.end(request.stdin);
  }

  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    signalGroup(child, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), KILL_GRACE_MS);
    killTimer.unref();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });

  const shown = JSON.stringify(request.command);
  try {
    const ending = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        // A background grandchild may hold the pipes open; do not wait for it forever.
        const drain = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          resolve({ code, signal });
        }, OUTPUT_DRAIN_MS);
        child.once('close', () => {
          clearTimeout(drain);
          resolve({ code, signal });
        });
      });
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new PermanentError(`exec: command ${shown} not found`);
      if (error.code === 'EACCES') throw new PermanentError(`exec: command ${shown} is not executable`);
      throw new Error(`exec: could not start ${shown}: ${error.message}`, { cause: error });
    });

    if (ctx.signal.aborted) throw abortError(ctx.signal);
    const durationMs = Math.round(performance.now() - startedAt);
    if (ending.code === 0) return { exitCode: 0, stdout: stdout.text(), stderr: stderr.text(), durationMs };
    const detail = lastLine(stderr.text()) || lastLine(stdout.text());
    const how = ending.code === null ? `was killed by ${ending.signal ?? 'a signal'}` : `exited with code ${ending.code}`;
    throw new Error(`exec: ${shown} ${how}${detail ? `: ${detail}` : ''}`);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

/** The `exec` handler for the given settings (a refusing one unless `allowExec`). */
export function createExecHandler(options: ExecHandlerOptions = {}): JobHandler<unknown, ExecResult> {
  if (!options.allowExec) {
    return () => {
      throw new PermanentError(
        'exec jobs are disabled on this worker: start it with --allow-exec (library: builtinHandlers({ allowExec: true }))',
      );
    };
  }
  const allowed = options.execAllow === undefined ? undefined : new Set(options.execAllow.map((name) => name.trim()));
  const allowedEnv = new Set(options.execAllowEnv ?? []);
  for (const name of allowedEnv) {
    if (name === '' || name.includes('=') || name.includes('\0')) throw new ValidationError(`execAllowEnv: ${JSON.stringify(name)} is not a variable name`);
  }
  return async (payload, ctx) => {
    const request = readPayload(payload);
    checkJobEnv(request.env, allowedEnv);
    if (allowed !== undefined && !allowed.has(request.command)) {
      const list = allowed.size === 0 ? 'none' : [...allowed].join(', ');
      throw new PermanentError(`exec: command ${JSON.stringify(request.command)} is not in this worker's --exec-allow list (${list})`);
    }
    if (request.cwd !== undefined) await checkDirectory(request.cwd);
    const executable = allowed === undefined ? request.command : await resolveOnWorkerPath(request.command);
    return run(request, executable, ctx);
  };
}
