import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { cleanEnv, type CommandResult } from '../../helpers/packed-package.js';

export interface ExampleRun extends CommandResult {
  /** For a command that runs until stopped: it had printed its first output and held a Redis connection. */
  started?: boolean;
}

function spawnShell(
  shell: string,
  text: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): ChildProcess & { output: CommandResult; result: Promise<CommandResult> } {
  // Its own process group, so a stuck example can be killed with everything it started.
  const child = spawn(shell, ['-c', text], { cwd, env, stdio: 'pipe', detached: true });
  const output: CommandResult = { code: null, stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  child.stdin?.on('error', () => undefined); // a command that exits at once closes the pipe
  child.stdin?.end();
  const result = new Promise<CommandResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...output, code }));
  });
  return Object.assign(child, { output, result });
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * The processes the shell started (not the shell itself): a signal to the shell's group would
 * kill `sh` at once, losing the command's own exit code.
 */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  for (const row of table.trim().split('\n')) {
    const [child, parent] = row.trim().split(/\s+/).map(Number);
    if (child === undefined || parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const visit = (parent: number): void => {
    for (const child of children.get(parent) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

/** Ids of the connections Redis has now (ids only grow, so a new connection has a larger one). */
async function clientIds(admin: Redis): Promise<number[]> {
  const list = String(await admin.client('LIST'));
  return [...list.matchAll(/\bid=(\d+)/g)].map((match) => Number(match[1]));
}

async function deadline<T>(promise: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(what));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs one example through `sh -c` to its end. */
export async function runToEnd(text: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ExampleRun> {
  const child = spawnShell('sh', text, cwd, env);
  const message = `did not finish within ${timeoutMs} ms; if it runs until stopped, it belongs in the test's BLOCKING list`;
  return deadline(child.result, timeoutMs, message, () => killGroup(child));
}

/**
 * Runs an example that runs until stopped (a worker, --watch, --follow): once it holds a Redis
 * connection and has printed its first output (a worker's started line, a first frame, a
 * "following" note), SIGINT (what Ctrl-C sends) goes to the command; its exit code is reported.
 */
export async function runUntilStarted(text: string, cwd: string, env: NodeJS.ProcessEnv, admin: Redis, timeoutMs: number): Promise<ExampleRun> {
  const before = Math.max(...(await clientIds(admin)));
  const child = spawnShell('sh', text, cwd, env);
  let exited = false;
  void child.result.then(() => (exited = true));
  const start = Date.now();
  let started = false;
  while (!exited && !started) {
    if (Date.now() - start > timeoutMs) {
      killGroup(child);
      throw new Error(`did not connect to Redis and print its first output within ${timeoutMs} ms`);
    }
    const printed = child.output.stdout !== '' || child.output.stderr !== '';
    started = printed && (await clientIds(admin)).some((id) => id > before);
    if (!started) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (started && !exited && child.pid !== undefined) {
    for (const pid of descendants(child.pid)) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // exited meanwhile
      }
    }
  }
  const result = await deadline(child.result, timeoutMs, `did not exit within ${timeoutMs} ms of SIGINT`, () => killGroup(child));
  return { ...result, started };
}

/**
 * A directory of stand-ins for the programs the examples call, each printing its name, its
 * arguments one per bracket, and its stdin: run under two shells, equal output means the shells
 * hand the real programs the same arguments and input.
 */
export function argumentEchoes(names: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobs-argv-'));
  const script = '#!/bin/sh\nprintf "%s" "${0##*/}"\nfor a in "$@"; do printf "[%s]" "$a"; done\nprintf "\\n"\ncat\n';
  for (const name of names) {
    writeFileSync(join(dir, name), script);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

/** What the stand-ins saw when `shell -c text` ran. */
export async function argumentsUnder(shell: string, text: string, cwd: string, echoes: string): Promise<string> {
  const run = spawnShell(shell, text, cwd, cleanEnv([echoes]));
  const result = await deadline(run.result, 20_000, `${shell} -c did not finish`, () => killGroup(run));
  return `${result.stdout}\n--- exit ${result.code}`;
}
