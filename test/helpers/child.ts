import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A child process whose stdout is read as JSON lines, for tests that kill real workers. */
export class ChildProcessLines {
  readonly lines: Record<string, unknown>[] = [];
  readonly process: ChildProcess;

  constructor(script: string, env: Record<string, string>) {
    this.process = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    if (!this.process.stdout) throw new Error('child has no stdout');
    createInterface({ input: this.process.stdout }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.lines.push({ text: line });
      }
    });
  }

  has(predicate: (line: Record<string, unknown>) => boolean): boolean {
    return this.lines.some(predicate);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill(signal);
    await exited;
  }
}
