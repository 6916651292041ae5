import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './run-cli.js';
import { until } from '../helpers/fixtures.js';

/** The second binary name, the one no shell owns. */
export const JOBSCTL = join(ROOT, 'bin', 'jobsctl.js');

/** A fresh working directory per test, removed by `cleanup`. */
export function tempCwd(label = 'jobs-dev-'): string {
  return mkdtempSync(join(tmpdir(), label));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The environment a user's shell would give: none of the developer's jobs settings. */
export function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of ['REDIS_URL', 'JOBS_QUEUE', 'JOBS_PREFIX', 'JOBS_REDACT']) delete env[name];
  return { ...env, ...extra };
}

/** A PATH with node and nothing else (no redis-server). */
export function pathWithoutRedis(): string {
  const bin = tempCwd('jobs-dev-bin-');
  mkdirSync(bin, { recursive: true });
  symlinkSync(process.execPath, join(bin, 'node'));
  return bin;
}

export interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/jobsctl.js <args>` through `sh -c` in `cwd`, as a user types it. */
export function jobsctl(cwd: string, args: string, env: NodeJS.ProcessEnv = shellEnv()): Promise<ShellResult> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', `node ${JOBSCTL} ${args}`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const result: ShellResult = { code: null, stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (text: string) => (result.stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (result.stderr += text));
    child.on('close', (code) => resolve({ ...result, code }));
  });
}

export async function jobsctlJson<T>(cwd: string, args: string): Promise<T> {
  const result = await jobsctl(cwd, `${args} --json`);
  if (result.code !== 0) throw new Error(`jobsctl ${args} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** What `.jobs/dev.json` holds. */
export interface DevState {
  url: string;
  pid: number;
  redisPid: number;
  startedAt: string;
}

export function stateFile(cwd: string): string {
  return join(cwd, '.jobs', 'dev.json');
}

export function readState(cwd: string): DevState {
  return JSON.parse(readFileSync(stateFile(cwd), 'utf8')) as DevState;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export type DevEvent = Record<string, unknown> & { event?: string };

/**
 * `jobs dev <args>` run through `sh -c` in its own process group (as a terminal runs a
 * foreground job), its stdout read as JSON lines (the format when stdout is not a terminal).
 */
export class DevRun {
  readonly events: DevEvent[] = [];
  stderr = '';
  /** The state file as it was once the stack had started. */
  state: DevState | undefined;
  readonly shell: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly cwd: string,
    args = '',
    env: NodeJS.ProcessEnv = shellEnv(),
  ) {
    this.shell = spawn('/bin/sh', ['-c', `node ${JOBSCTL} dev ${args}`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.exited = new Promise((resolve) => this.shell.once('exit', (code, signal) => resolve({ code, signal })));
    this.shell.stderr?.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    if (!this.shell.stdout) throw new Error('no stdout');
    createInterface({ input: this.shell.stdout }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as DevEvent);
      } catch {
        this.events.push({ text: line });
      }
    });
  }

  /** Waits for an event, failing early with the output when the process exits first. */
  async waitFor(predicate: (event: DevEvent) => boolean, what: string, timeoutMs = 20_000): Promise<DevEvent> {
    let exited = false;
    void this.exited.then(() => (exited = true));
    await until(() => exited || this.events.some(predicate), timeoutMs, `${what}; stderr so far: ${this.stderr}`);
    const found = this.events.find(predicate);
    if (!found) throw new Error(`jobs dev exited before ${what}:\n${JSON.stringify(this.events)}\n${this.stderr}`);
    return found;
  }

  /** The printed Redis URL, once `jobs dev` has started. */
  async started(): Promise<string> {
    const event = await this.waitFor((e) => e.event === 'dev-started', 'the start-up message');
    this.state = readState(this.cwd);
    return String(event.redisUrl);
  }

  /** Ids of the attempts logged with this status, by queue. */
  attempts(status: string, queue: string): string[] {
    return this.events.filter((e) => e.event === 'attempt' && e.status === status && e.queue === queue).map((e) => String(e.id));
  }

  /** SIGTERM to the `jobs dev` process, as `kill <pid>` sends it. */
  async terminate(): Promise<{ code: number | null }> {
    this.state ??= readState(this.cwd);
    process.kill(this.state.pid, 'SIGTERM');
    return this.exited;
  }

  /** Ends whatever is left of the run, for cleanup after a failed test. */
  async kill(): Promise<void> {
    const state = this.state ?? (existsSync(stateFile(this.cwd)) ? readState(this.cwd) : undefined);
    if (this.shell.exitCode === null && this.shell.signalCode === null && this.shell.pid) {
      try {
        process.kill(-this.shell.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (state && isAlive(state.redisPid)) process.kill(state.redisPid, 'SIGKILL');
  }
}
