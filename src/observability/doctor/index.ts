import { Cluster, type Redis } from 'ioredis';
import { asUnavailable, closeOwned, createRedis, ensureConnected, openConnection, type OpenedConnection, type RedisConnection } from '../../core/connection.js';
import { DEFAULT_PREFIX, DEFAULT_REDIS_URL } from '../../core/handle.js';
import { RedisUnavailableError } from '../../core/errors.js';
import { fail, skip, warn, type CheckResult, type ServerProbe } from './check.js';
import { checkAcl, checkClock, checkLatency } from './client-checks.js';
import { checkCluster } from './cluster-checks.js';
import { checkEviction, checkPersistence, checkReplication, checkVersion } from './server-checks.js';

export type { CheckResult } from './check.js';

export interface DoctorOptions {
  /** A Redis URL (default redis://127.0.0.1:6379) or a connection you own. */
  connection?: string | RedisConnection;
  prefix?: string;
  /** The queue whose keys the ACL check writes a probe key under. Default "default". */
  queue?: string;
  /**
   * A single development Redis: no persistence is a warning instead of a failure, and no
   * replica is not reported. Default false (judged as production).
   */
  dev?: boolean;
}

export interface DoctorReport {
  /** No check failed (warnings allowed). */
  ok: boolean;
  checks: CheckResult[];
}

const SERVER_CHECKS: [string, (probe: ServerProbe) => Promise<CheckResult>][] = [
  ['redis-version', checkVersion],
  ['eviction', checkEviction],
  ['persistence', checkPersistence],
  ['replication', checkReplication],
];

/** Runs a check; a refused or failed command becomes its result instead of ending the run. */
async function guarded(name: string, url: string, run: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await run();
  } catch (error) {
    if (asUnavailable(error, url) instanceof RedisUnavailableError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (/NOPERM/i.test(message)) return warn(name, `could not check: ${message}`, 'grant the user +info (and CONFIG GET, for the settings checks), or run jobs doctor as an admin user');
    return fail(name, `could not check: ${message}`, 'see the message; run jobs doctor --debug for more');
  }
}

/**
 * Checks what makes a deployment of jobs safe and says how to fix each finding: the Redis
 * version, eviction policy, persistence, replicas, round-trip latency, clock difference,
 * cluster slot coverage and the ACL rights the CLI and workers need.
 */
export async function diagnose(options: DoctorOptions = {}): Promise<DoctorReport> {
  const given = options.connection ?? DEFAULT_REDIS_URL;
  // a cluster with unserved slots never passes ioredis's ready check, and is what to diagnose
  const opened: OpenedConnection =
    typeof given === 'string' ? { redis: createRedis({ url: given, role: 'client', clusterReadyCheck: false }), url: given, owned: true } : openConnection(given, 'client');
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const queue = options.queue ?? 'default';
  const dev = Boolean(options.dev);
  try {
    await ensureConnected(opened.redis, opened.url);
    const redis = opened.redis;
    const masters: { redis: Redis; address: string }[] =
      redis instanceof Cluster
        ? redis.nodes('master').map((node) => ({ redis: node, address: `${node.options.host ?? ''}:${node.options.port ?? ''}` }))
        : [{ redis, address: '' }];
    const checks: CheckResult[] = [];
    for (const [name, check] of SERVER_CHECKS) {
      for (const master of masters) {
        const result = await guarded(name, opened.url, () => check({ ...master, dev }));
        checks.push(masters.length > 1 ? { ...result, message: `${master.address}: ${result.message}` } : result);
      }
    }
    const first = masters[0]?.redis;
    const cluster = await guarded('cluster', opened.url, () => checkCluster(redis));
    checks.push(cluster);
    if (first) {
      checks.push(await guarded('latency', opened.url, () => checkLatency(first)));
      checks.push(await guarded('clock', opened.url, () => checkClock(first)));
    }
    // a cluster that is down answers every keyed command with CLUSTERDOWN: nothing to learn
    if (cluster.status === 'fail') checks.push(skip('acl', 'not checked while the cluster is down'));
    else checks.push(await guarded('acl', opened.url, () => checkAcl(redis, prefix, queue)));
    return { ok: checks.every((c) => c.status !== 'fail'), checks };
  } catch (error) {
    throw asUnavailable(error, opened.url);
  } finally {
    await closeOwned(opened);
  }
}
