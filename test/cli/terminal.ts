import { spawn } from 'node:child_process';
import { BIN, cliEnv, ROOT, type CliOptions } from './run-cli.js';

/** Quotes one word for sh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface TerminalResult {
  code: number | null;
  /** What the terminal showed (stdout and stderr together), with \r\n turned into \n. */
  screen: string;
}

/**
 * Runs `jobs <args>` on a pseudo-terminal of `columns` columns (util-linux `script`), so the
 * CLI sees a terminal on stdin and stdout as a person's shell would give it.
 */
export function runInTerminal(args: string[], columns: number, options: CliOptions = {}): Promise<TerminalResult> {
  const command = `stty cols ${columns} rows 50; exec ${shellQuote(process.execPath)} ${shellQuote(BIN)} ${args.map(shellQuote).join(' ')}`;
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: options.cwd ?? ROOT, env: cliEnv(options), stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (screen += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (screen += text));
  child.stdin.end();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, screen: screen.replace(/\r\n/g, '\n') })));
}
