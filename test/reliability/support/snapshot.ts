import type { Redis } from 'ioredis';

/** Every key of a Redis database with its type and full value, for before/after comparisons. */
export type RedisSnapshot = Record<string, { type: string; value: unknown }>;

async function valueOf(redis: Redis, key: string, type: string): Promise<unknown> {
  switch (type) {
    case 'string':
      return redis.get(key);
    case 'hash':
      return redis.hgetall(key);
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'set':
      return (await redis.smembers(key)).sort();
    case 'zset':
      return redis.zrange(key, 0, -1, 'WITHSCORES');
    case 'stream':
      return redis.xrange(key, '-', '+');
    default:
      return `(unreadable type ${type})`;
  }
}

/** Reads all keys (SCAN) with their types and values. TTLs are left out: they tick. */
export async function takeSnapshot(redis: Redis): Promise<RedisSnapshot> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  const snapshot: RedisSnapshot = {};
  for (const key of keys.sort()) {
    const type = await redis.type(key);
    snapshot[key] = { type, value: await valueOf(redis, key, type) };
  }
  return snapshot;
}
