import { Redis, type RedisOptions } from 'ioredis';
import { RedisUnavailableError } from './errors.js';
import { registerScripts } from './scripts/index.js';

/** How a connection behaves while Redis is unreachable. */
export type ConnectionRole =
  /** Producers and admin calls: fail fast with RedisUnavailableError, never queue offline. */
  | 'client'
  /** Workers: wait for Redis to come back and carry on. */
  | 'worker';

export interface ConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  role: ConnectionRole;
  /** Milliseconds to wait for a connection before giving up. Default 3000. */
  connectTimeoutMs?: number;
  /** Receives connection errors and reconnects (they are otherwise swallowed). */
  onEvent?: (event: 'error' | 'reconnecting' | 'ready', detail?: string) => void;
}

/** The URL with its password replaced, safe for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}

export function createRedis(options: ConnectionOptions): Redis {
  const failFast = options.role === 'client';
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 3000,
    enableOfflineQueue: !failFast,
    maxRetriesPerRequest: failFast ? 1 : null,
    // Keep reconnecting with a capped delay; callers decide whether to wait.
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
  };
  let redis: Redis;
  try {
    redis = new Redis(options.url, redisOptions);
  } catch (error) {
    throw new RedisUnavailableError(redactUrl(options.url), error);
  }
  redis.on('error', (error: Error) => options.onEvent?.('error', error.message));
  redis.on('reconnecting', () => options.onEvent?.('reconnecting'));
  redis.on('ready', () => options.onEvent?.('ready'));
  registerScripts(redis);
  return redis;
}

/**
 * Resolves once the connection is ready. A 'client' connection rejects with
 * RedisUnavailableError at its first connection error; both give up after `timeoutMs`.
 */
export async function ensureConnected(redis: Redis, url: string, role: ConnectionRole = 'client', timeoutMs = 3000): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'wait') {
    redis.connect().catch(() => undefined);
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new RedisUnavailableError(redactUrl(url), lastError ?? new Error(`no connection after ${timeoutMs} ms`)));
    }, timeoutMs);
    let lastError: Error | undefined;
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      lastError = error;
      // a client fails fast; a worker waits for Redis to come back
      if (role === 'client') onEnd();
    };
    const onEnd = (): void => {
      cleanup();
      reject(new RedisUnavailableError(redactUrl(url), lastError ?? new Error('connection closed')));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      redis.off('end', onEnd);
    };
    redis.on('ready', onReady);
    redis.on('error', onError);
    redis.on('end', onEnd);
  });
}

/** Turns a low-level connection failure into RedisUnavailableError; other errors pass through. */
export function asUnavailable(error: unknown, url: string): unknown {
  if (!(error instanceof Error)) return error;
  const connectionLost =
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|Connection is closed|Stream isn't writeable|max retries per request|enableOfflineQueue/i;
  return connectionLost.test(error.message) ? new RedisUnavailableError(redactUrl(url), error) : error;
}
