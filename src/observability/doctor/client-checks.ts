import { Cluster, type Redis } from 'ioredis';
import type { RedisConnection } from '../../core/connection.js';
import { queueKeys, queueRegistryKey } from '../../core/keys.js';
import { formatDuration } from '../../core/duration.js';
import { fail, ok, warn, type CheckResult } from './check.js';

const PINGS = 10;
const SLOW_MS = 5;
const CLOCK_TOLERANCE_MS = 1000;

/** Median round trip of a few PINGs. */
export async function checkLatency(redis: Redis): Promise<CheckResult> {
  const times: number[] = [];
  for (let i = 0; i < PINGS; i += 1) {
    const start = performance.now();
    await redis.ping();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const medianMs = Math.round((times[Math.floor(times.length / 2)] ?? 0) * 100) / 100;
  const maxMs = Math.round((times[times.length - 1] ?? 0) * 100) / 100;
  const message = `round trip ${medianMs} ms median, ${maxMs} ms worst of ${PINGS}`;
  if (medianMs > SLOW_MS) {
    return warn('latency', `${message}: every job takes a few round trips, so one worker's throughput is bounded by it`, 'run workers close to Redis (same zone or host), and raise --concurrency to overlap round trips');
  }
  return ok('latency', message);
}

/** This host's clock against Redis's TIME, read at the middle of the round trip. */
export async function checkClock(redis: Redis, now: () => number = Date.now): Promise<CheckResult> {
  const before = now();
  const [seconds, micros] = await redis.time();
  const after = now();
  const redisMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  const offsetMs = Math.round(redisMs - (before + after) / 2);
  const message =
    offsetMs === 0 ? "this host's clock agrees with Redis's to the millisecond" : `this host's clock is ${formatDuration(Math.abs(offsetMs))} ${offsetMs > 0 ? 'behind' : 'ahead of'} Redis's`;
  if (Math.abs(offsetMs) > CLOCK_TOLERANCE_MS) {
    return warn('clock', `${message}: jobs run on Redis's clock, but ages, --since and --older-than computed here are off by as much`, 'synchronise the clocks with NTP (e.g. timedatectl set-ntp true, or chrony)');
  }
  return ok('clock', message);
}

/** Tries each kind of command jobs uses on the queue's keys; a NOPERM names what is missing. */
export async function checkAcl(redis: RedisConnection, prefix: string, queue: string): Promise<CheckResult> {
  // commands without keys go to one node of a cluster
  const node: Redis = redis instanceof Cluster ? (redis.nodes('master')[0] ?? (redis as unknown as Redis)) : redis;
  const base = queueKeys(prefix, queue).base;
  const probe = `${base}doctor-probe`;
  const zprobe = `${base}doctor-probe-z`;
  const registry = queueRegistryKey(prefix);
  const attempts: [string, () => Promise<unknown>][] = [
    ['PING', () => node.ping()],
    ['SET (write)', () => redis.set(probe, '1', 'PX', 10_000)],
    ['GET (read)', () => redis.get(probe)],
    ['EVAL (scripting)', () => redis.eval("return redis.call('GET', KEYS[1])", 1, probe)],
    ['MULTI/EXEC (transaction)', () => redis.multi().get(probe).exec()],
    ['BZPOPMIN (blocking)', () => redis.bzpopmin(zprobe, 0.01)],
    ['TIME', () => node.time()],
    ['INFO', () => node.info('server')],
    ['SCAN', () => node.scan('0', 'MATCH', probe, 'COUNT', 1)],
    [`SISMEMBER on ${registry}`, () => redis.sismember(registry, queue)],
    [`SREM on ${registry}`, () => redis.srem(registry, `${queue}\u0000doctor-probe`)],
    ['UNLINK', () => redis.unlink(probe, zprobe)],
  ];
  const refused: string[] = [];
  const failed: string[] = [];
  for (const [what, attempt] of attempts) {
    try {
      await attempt();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/NOPERM|NOAUTH|no permissions/i.test(message)) refused.push(what);
      else failed.push(`${what}: ${message}`);
    }
  }
  const keys = `~${prefix}:{${queue}}:* ~${registry}`;
  if (refused.length === 0 && failed.length > 0) {
    return warn('acl', `could not try every command: ${failed.join('; ')}`, 'fix what the errors say, then run jobs doctor again');
  }
  if (refused.length === 0) return ok('acl', `every command jobs uses is allowed on ${keys}`);
  // the user of the URL; without one Redis authenticates as "default"
  let user = node.options.username || 'default';
  if (!node.options.username) {
    try {
      user = String(await node.call('ACL', 'WHOAMI'));
    } catch {
      // ACL WHOAMI may itself be refused
    }
  }
  return fail(
    'acl',
    `refused for queue "${queue}": ${refused.join(', ')}`,
    `ACL SETUSER ${user} +@read +@write +@scripting +@transaction +@connection +@blocking +time +info ${keys}`,
  );
}
