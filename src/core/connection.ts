import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { RedisUnavailableError } from './errors.js';
import { registerScripts } from './scripts/index.js';

/** A single Redis server or a Redis Cluster; every queue's keys live in one slot either way. */
export type RedisConnection = Redis | Cluster;

/** How a connection behaves while Redis is unreachable. */
export type ConnectionRole =
  /** Producers and admin calls: fail fast with RedisUnavailableError, never queue offline. */
  | 'client'
  /** Workers: wait for Redis to come back and carry on. */
  | 'worker';

export interface ConnectionOptions {
  /**
   * `redis://[user:password@]host:port[/db]`, `rediss://` for TLS, or
   * `redis+cluster://[user:password@]host:port,host:port` (`rediss+cluster://` for TLS) for a cluster.
   */
  url: string;
  role: ConnectionRole;
  /** Milliseconds to wait for a connection before giving up. Default 3000. */
  connectTimeoutMs?: number;
  /**
   * A cluster connection is ready only once CLUSTER INFO says the cluster is ok. Default true;
   * false lets a diagnosis connect to a cluster with unserved slots.
   */
  clusterReadyCheck?: boolean;
  /** Receives connection errors and reconnects (they are otherwise swallowed). */
  onEvent?: (event: 'error' | 'reconnecting' | 'ready', detail?: string) => void;
}

/** The URL with its password replaced, safe for logs and error messages. */
export function redactUrl(url: string): string {
  if (CLUSTER_URL.test(url)) return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)\/?$/;

/** Parses a `redis+cluster://` URL into seed nodes and credentials, or undefined for other URLs. */
export function parseClusterUrl(
  url: string,
): { nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean } | undefined {
  const match = CLUSTER_URL.exec(url);
  if (!match) return undefined;
  const nodes = (match[4] ?? '').split(',').map((hostPort) => {
    const at = hostPort.lastIndexOf(':');
    const port = Number(at < 0 ? 6379 : hostPort.slice(at + 1));
    return { host: at < 0 ? hostPort : hostPort.slice(0, at), port };
  });
  if (nodes.some((n) => !n.host || !Number.isInteger(n.port))) return undefined;
  return {
    nodes,
    ...(match[2] ? { username: decodeURIComponent(match[2]) } : {}),
    ...(match[3] ? { password: decodeURIComponent(match[3]) } : {}),
    tls: match[1] === 'rediss',
  };
}

export function createRedis(options: ConnectionOptions): RedisConnection {
  const failFast = options.role === 'client';
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 3000,
    enableOfflineQueue: !failFast,
    maxRetriesPerRequest: failFast ? 1 : null,
    // Keep reconnecting with a capped delay; callers decide whether to wait.
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
  };
  let redis: RedisConnection;
  try {
    const cluster = parseClusterUrl(options.url);
    if (cluster) {
      const { nodes, tls, ...auth } = cluster;
      redis = new Cluster(nodes, {
        lazyConnect: true,
        enableReadyCheck: options.clusterReadyCheck ?? true,
        enableOfflineQueue: !failFast,
        clusterRetryStrategy: (times: number) => Math.min(times * 100, 1000),
        redisOptions: { ...auth, connectTimeout: redisOptions.connectTimeout, maxRetriesPerRequest: redisOptions.maxRetriesPerRequest ?? null, ...(tls ? { tls: {} } : {}) },
      });
    } else {
      redis = new Redis(options.url, redisOptions);
    }
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
export async function ensureConnected(redis: RedisConnection, url: string, role: ConnectionRole = 'client', timeoutMs = 3000): Promise<void> {
  if (redis.status === 'ready') return;
  // Callers that arrive while a connection is being made share one wait (and one set of
  // listeners): 200 concurrent calls on a fresh connection must not add 600 listeners.
  const key = `${role}:${timeoutMs}`;
  let waits = pendingConnects.get(redis);
  if (!waits) pendingConnects.set(redis, (waits = new Map()));
  let wait = waits.get(key);
  if (!wait) {
    wait = waitUntilReady(redis, url, role, timeoutMs).finally(() => waits.delete(key));
    waits.set(key, wait);
  }
  return wait;
}

const pendingConnects = new WeakMap<RedisConnection, Map<string, Promise<void>>>();

async function waitUntilReady(redis: RedisConnection, url: string, role: ConnectionRole, timeoutMs: number): Promise<void> {
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

/** A connection a class opened from a URL (and must close) or was handed (and must not). */
export interface OpenedConnection {
  redis: RedisConnection;
  /** For messages: the URL, or host:port of a connection that was handed in. */
  url: string;
  owned: boolean;
}

export function openConnection(connection: string | RedisConnection, role: ConnectionRole): OpenedConnection {
  if (typeof connection === 'string') return { redis: createRedis({ url: connection, role }), url: connection, owned: true };
  if (connection instanceof Cluster) return { redis: connection, url: 'redis+cluster://(given cluster)', owned: false };
  const { host, port } = connection.options;
  return { redis: connection, url: `redis://${host ?? '127.0.0.1'}:${port ?? 6379}`, owned: false };
}

/** Warns when Redis may evict keys (and so jobs) under memory pressure. */
export async function warnIfEvicting(redis: RedisConnection, warn: (message: string) => void): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      warn(`Redis maxmemory-policy is "${policy}": Redis may evict jobs under memory pressure; set it to noeviction`);
    }
  } catch {
    // CONFIG is often disabled on managed Redis; nothing to check then.
  }
}

/**
 * Runs commands once the connection is ready, turning connection failures into
 * RedisUnavailableError; shared by every class that talks to Redis.
 */
export async function useConnection<T>(
  opened: Pick<OpenedConnection, 'redis' | 'url'>,
  role: ConnectionRole,
  fn: (redis: RedisConnection) => Promise<T>,
): Promise<T> {
  await ensureConnected(opened.redis, opened.url, role);
  try {
    return await fn(opened.redis);
  } catch (error) {
    throw asUnavailable(error, opened.url);
  }
}

/** Closes a connection this side opened; a handed-in one is left to its owner. */
export async function closeOwned(opened: OpenedConnection): Promise<void> {
  if (!opened.owned || opened.redis.status === 'end') return;
  try {
    await opened.redis.quit();
  } catch {
    opened.redis.disconnect();
  }
}
