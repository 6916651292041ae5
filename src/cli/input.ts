import { readFileSync } from 'node:fs';
import { UsageError } from './errors.js';
import { jsonErrorOffset } from './json-error.js';

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
  } catch {
    // V8's message quotes the text around the fault, which may hold a secret: say only where.
    const at = jsonErrorOffset(text);
    const where = at === 'end' ? ' (it ends too early)' : at === null ? '' : ` at character ${at + 1}`;
    throw new UsageError(`${source} is not valid JSON${where}`);
  }
}

/**
 * The payload of `--data <json>` or `--payload <file|->`, read the same way by every command:
 * invalid JSON is reported by position only, never quoted. Undefined when neither is given.
 */
export async function readPayloadFlags(flags: { data?: string | undefined; payload?: string | undefined }): Promise<unknown> {
  if (flags.payload !== undefined && flags.data !== undefined) throw new UsageError('give either --payload or --data, not both');
  if (flags.payload !== undefined) {
    const source = flags.payload === '-' ? 'payload on stdin' : `payload file ${flags.payload}`;
    return parseJson(await readInput(flags.payload, '--payload'), source);
  }
  if (flags.data !== undefined) return parseJson(flags.data, '--data');
  return undefined;
}
