import type { Redis } from 'ioredis';

/** One finding of `diagnose`: ok, a warning, a failure, or not applicable here. */
export interface CheckResult {
  /** Stable id, e.g. "persistence". */
  name: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  /** What was found. */
  message: string;
  /** How to fix it (warnings and failures). */
  fix?: string;
}

/** What every check gets: one Redis server (a cluster's masters are checked one by one). */
export interface ServerProbe {
  redis: Redis;
  /** "host:port", for messages about one node of several. */
  address: string;
  /** `--dev`: a single development Redis; persistence and replicas are not required. */
  dev: boolean;
}

export const ok = (name: string, message: string): CheckResult => ({ name, status: 'ok', message });
export const skip = (name: string, message: string): CheckResult => ({ name, status: 'skip', message });
export const warn = (name: string, message: string, fix: string): CheckResult => ({ name, status: 'warn', message, fix });
export const fail = (name: string, message: string, fix: string): CheckResult => ({ name, status: 'fail', message, fix });

/** The fields of an INFO section as a map. */
export async function info(redis: Redis, section: string): Promise<Map<string, string>> {
  const text = await redis.info(section);
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return fields;
}

/** A CONFIG GET value, or undefined when CONFIG is refused (ACL, managed Redis). */
export async function configValue(redis: Redis, name: string): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', name)) as string[];
    return reply[1];
  } catch {
    return undefined;
  }
}
