import { Redis } from 'ioredis';

/**
 * The process id of the Redis answering at `url`, or undefined when none answers within
 * `timeoutMs` (refused, silent, or still loading its data). The id tells a Redis that `jobs dev`
 * started from anything else that may have taken its port since.
 */
export async function answeringRedisPid(url: string, timeoutMs = 1000): Promise<number | undefined> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    // PING fails with LOADING while the AOF is read back: not ready for commands yet.
    await redis.ping();
    const info = await redis.info('server');
    const match = /^process_id:(\d+)/m.exec(info);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}
