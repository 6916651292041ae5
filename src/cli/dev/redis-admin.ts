import { Redis } from 'ioredis';

function shortLivedClient(url: string, timeoutMs: number): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  return redis;
}

/**
 * The process id of the Redis answering at `url`, or undefined when none answers within
 * `timeoutMs` (refused, silent, or still loading its data). The id tells a Redis that `jobs dev`
 * started from anything else that may have taken its port since.
 */
export async function answeringRedisPid(url: string, timeoutMs = 1000): Promise<number | undefined> {
  const redis = shortLivedClient(url, timeoutMs);
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

/**
 * Sends SHUTDOWN (Redis writes and syncs its AOF, then exits). Resolves true when it was sent:
 * Redis answers it by closing the connection, so a closed connection counts as sent; false
 * when no connection could be made or Redis refused with an error.
 */
export async function requestShutdown(url: string, timeoutMs = 1000): Promise<boolean> {
  const redis = shortLivedClient(url, timeoutMs);
  try {
    await redis.connect();
  } catch {
    return false;
  }
  try {
    await redis.call('SHUTDOWN');
    return true;
  } catch (error) {
    return !(error instanceof Error && error.name === 'ReplyError');
  } finally {
    redis.disconnect();
  }
}
