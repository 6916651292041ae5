import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The project root, from which the CLI and the fixtures are run. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI_BIN = fileURLToPath(new URL('../../../bin/jobs.js', import.meta.url));
export const TEST_HANDLERS = fileURLToPath(new URL('../../fixtures/test-handlers.mjs', import.meta.url));
export const CHAOS_WORKER = fileURLToPath(new URL('../../fixtures/chaos-worker.mjs', import.meta.url));

/** One stdout line of a child: parsed JSON (or `{ text }`) and when the test received it. */
export interface ReceivedLine {
  receivedAt: number;
  value: Record<string, unknown>;
}

/** A long-running node child process whose stdout lines and stderr text are collected. */
export class LineProcess {
  readonly lines: ReceivedLine[] = [];
  stderr = '';
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  private listeners: ((line: ReceivedLine) => void)[] = [];

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, args, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    if (!this.child.stdout) throw new Error('child has no stdout');
    createInterface({ input: this.child.stdout }).on('line', (text) => {
      const line: ReceivedLine = { receivedAt: Date.now(), value: parseLine(text) };
      this.lines.push(line);
      for (const listener of this.listeners) listener(line);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Calls `listener` for each line from now on. */
  onLine(listener: (line: ReceivedLine) => void): void {
    this.listeners.push(listener);
  }

  has(predicate: (value: Record<string, unknown>) => boolean): boolean {
    return this.lines.some((line) => predicate(line.value));
  }

  /** Everything the child printed, for leak checks. */
  get allOutput(): string {
    return `${this.lines.map((line) => JSON.stringify(line.value)).join('\n')}\n${this.stderr}`;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

function parseLine(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // not JSON: keep the text
  }
  return { text };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs `jobs <args>` to completion (killed after `timeoutMs`). */
export function runCli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}

/** Starts `jobs <args>` as a long-running process (a worker). */
export function startCli(args: string[], env: Record<string, string> = {}): LineProcess {
  return new LineProcess([CLI_BIN, ...args], env);
}
