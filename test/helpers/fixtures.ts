import { afterAll, beforeAll } from 'vitest';
import { RedisServer } from './redis-server.js';

let counter = 0;

/** A unique queue name per call, so tests in one file never share keys. */
export function uniqueQueue(label = 'q'): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}`;
}

/** Starts a private Redis for the calling test file and stops it afterwards. */
export function useRedisServer(options: ConstructorParameters<typeof RedisServer>[0] = {}): RedisServer {
  const server = new RedisServer(options);
  beforeAll(async () => {
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });
  return server;
}

/** Polls `check` until it returns true or the time is up. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
