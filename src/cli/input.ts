import { readFileSync } from 'node:fs';
import { UsageError } from './errors.js';

/** Reads all of stdin as text. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The text of a file, or of stdin for `-`; a file that cannot be read is a usage error. */
export async function readInput(path: string, option: string): Promise<string> {
  if (path === '-') return readStdin();
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`cannot read ${option} file ${path} (${reason}); check the path, or pass - for stdin`);
  }
}

/** Parses JSON, naming where it came from when it is not valid. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // V8's message quotes the text around the fault, which may hold a secret: keep only where.
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message)?.[1];
    const where = position === undefined ? (/end of JSON/i.test(message) ? ' (it ends too early)' : '') : ` at character ${position}`;
    throw new UsageError(`${source} is not valid JSON${where}`);
  }
}
