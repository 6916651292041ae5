import { createRedis, ensureConnected, type RedisConnection } from '../../core/connection.js';
import { QueueRegistry } from '../../core/queues.js';
import { Schedules } from '../../core/schedules.js';
import { loadConfigFile, resolveConfig, type CliConfig } from '../config.js';
import type { DynamicNames, LineSettings } from './engine.js';

/** Completion must never make the shell wait long: names come within this, or not at all. */
const BUDGET_MS = 800;

function settingsFor(line: LineSettings, env: NodeJS.ProcessEnv): CliConfig {
  const flags = { ...(line.redis ? { redis: line.redis } : {}), ...(line.prefix ? { prefix: line.prefix } : {}), ...(line.queue ? { queue: line.queue } : {}) };
  return resolveConfig(flags, env, loadConfigFile(line.config));
}

/** Runs `read` on a short-lived connection; any trouble (Redis down, bad settings, slowness) gives no names. */
async function quietly(line: LineSettings, env: NodeJS.ProcessEnv, read: (redis: RedisConnection, config: CliConfig) => Promise<string[]>): Promise<string[]> {
  let redis: RedisConnection | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const config = settingsFor(line, env);
    const connection = createRedis({ url: config.redis, role: 'client', connectTimeoutMs: BUDGET_MS });
    redis = connection;
    const names = (async (): Promise<string[]> => {
      await ensureConnected(connection, config.redis, 'client', BUDGET_MS);
      return read(connection, config);
    })();
    const late = new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve([]), BUDGET_MS)));
    return await Promise.race([names.catch(() => []), late]);
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
    redis?.disconnect();
  }
}

/** Queue and schedule names read from Redis, failing silently. */
export function redisNames(env: NodeJS.ProcessEnv = process.env): DynamicNames {
  return {
    queues: (line) => quietly(line, env, (redis, config) => new QueueRegistry({ connection: redis, prefix: config.prefix }).names()),
    schedules: (line) =>
      quietly(line, env, async (redis, config) => (await new Schedules(config.queue, { connection: redis, prefix: config.prefix }).list()).map((s) => s.name)),
  };
}
