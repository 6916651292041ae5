import { closeOwned, createRedis, ensureConnected, openConnection, useConnection, type ConnectionRole, type RedisConnection } from './connection.js';
import { ValidationError } from './errors.js';
import { queueKeys, queueRegistryKey, type QueueKeys } from './keys.js';
import { runScript, type ScriptArg, type ScriptName, type ScriptReply } from './scripts/index.js';
import { validateName } from './options.js';
import { DEFAULT_PREFIX, DEFAULT_REDIS_URL, DEFAULT_RETENTION } from './defaults.js';

export { DEFAULT_PREFIX, DEFAULT_REDIS_URL, DEFAULT_RETENTION };

/** How long finished jobs are kept. Failed jobs stay in the dead-letter queue until purged. */
export interface Retention {
  /** Succeeded and cancelled jobs kept, newest first. -1 keeps all, 0 none. Default 1000. */
  finishedCount: number;
  /** Succeeded and cancelled jobs older than this (ms) are removed; 0 for no age limit. Default 7 days. */
  finishedAgeMs: number;
}

/** Options shared by Queue, Worker and the other classes that open a queue. */
export interface QueueConnectionOptions {
  /** A Redis URL (default redis://127.0.0.1:6379) or a connection you own and close yourself. */
  connection?: string | RedisConnection;
  /** Prefix of every key. Default "jobs". */
  prefix?: string;
  /** Retention of finished jobs; see Retention. */
  retention?: Partial<Retention>;
}

/** One open queue: its name, keys and connection. Shared by the core classes. */
export class QueueHandle {
  readonly name: string;
  readonly prefix: string;
  readonly keys: QueueKeys;
  readonly redis: RedisConnection;
  readonly url: string;
  readonly retention: Retention;
  private readonly ownsConnection: boolean;
  private readonly role: ConnectionRole;
  private registered = false;

  constructor(name: string, options: QueueConnectionOptions, role: ConnectionRole) {
    this.name = validateName('queue', name);
    this.prefix = validateName('prefix', options.prefix ?? DEFAULT_PREFIX);
    this.keys = queueKeys(this.prefix, this.name);
    this.retention = resolveRetention(options.retention);
    this.role = role;
    const opened = openConnection(options.connection ?? DEFAULT_REDIS_URL, role);
    this.redis = opened.redis;
    this.url = opened.url;
    this.ownsConnection = opened.owned;
  }

  async ready(): Promise<void> {
    await ensureConnected(this.redis, this.url, this.role);
  }

  /** Runs a script, translating connection failures into RedisUnavailableError. */
  script(name: ScriptName, keys: readonly string[], args: readonly ScriptArg[]): Promise<ScriptReply> {
    return this.call((redis) => runScript(redis, name, keys, args));
  }

  /** Runs plain commands with the same error translation. */
  call<T>(fn: (redis: RedisConnection) => Promise<T>): Promise<T> {
    return useConnection(this, this.role, fn);
  }

  /**
   * A second connection to the same Redis, for blocking reads (a blocked connection can run
   * nothing else). A handed-in connection is duplicated, keeping its TLS, credentials and db.
   */
  openBlockingConnection(): RedisConnection {
    if (this.ownsConnection) return createRedis({ url: this.url, role: 'worker' });
    const copy = this.redis.duplicate();
    copy.on('error', () => undefined);
    return copy;
  }

  /** Records the queue's name so `jobs queues` can list queues without a SCAN. */
  async register(): Promise<void> {
    if (this.registered) return;
    await this.call((redis) => redis.sadd(queueRegistryKey(this.prefix), this.name));
    this.registered = true;
  }

  async close(): Promise<void> {
    await closeOwned({ redis: this.redis, url: this.url, owned: this.ownsConnection });
  }
}

function resolveRetention(given: Partial<Retention> | undefined): Retention {
  const retention = { ...DEFAULT_RETENTION, ...given };
  if (!Number.isInteger(retention.finishedCount) || retention.finishedCount < -1) {
    throw new ValidationError('retention.finishedCount must be -1 (all), 0 or a positive whole number');
  }
  if (!Number.isInteger(retention.finishedAgeMs) || retention.finishedAgeMs < 0) {
    throw new ValidationError('retention.finishedAgeMs must be 0 (no limit) or a positive whole number');
  }
  return retention;
}
