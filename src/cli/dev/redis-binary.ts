import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UsageError } from '../errors.js';

/** How to get redis-server, for the message when it is missing. */
export const REDIS_INSTALL_HINT =
  'install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and run jobs dev again, ' +
  'or run Redis in Docker (docker run -p 6379:6379 redis:7) and start a worker against it with: npx jobsctl worker --redis redis://127.0.0.1:6379';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The redis-server on PATH; a UsageError (exit 2) with the install hint when there is none. */
export function findRedisServer(path = process.env.PATH ?? ''): string {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'redis-server');
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new UsageError(`jobs dev needs redis-server, which is not on PATH: ${REDIS_INSTALL_HINT}`);
}
