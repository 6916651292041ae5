import { Cluster, type Redis } from 'ioredis';
import type { RedisConnection } from '../../core/connection.js';
import { fail, info, ok, skip, warn, type CheckResult } from './check.js';

const SLOTS = 16_384;

/** Every hash slot served, when Redis is a cluster; a plain URL to a cluster node is flagged. */
export async function checkCluster(redis: RedisConnection): Promise<CheckResult> {
  const cluster = redis instanceof Cluster;
  const node: Redis | undefined = redis instanceof Cluster ? redis.nodes('master')[0] : redis;
  if (!node) return fail('cluster', 'no master node is known', 'check the redis+cluster:// URL lists reachable nodes');
  const enabled = (await info(node, 'cluster')).get('cluster_enabled') === '1';
  if (!enabled) return skip('cluster', 'not a cluster');
  const text = String(await node.call('CLUSTER', 'INFO'));
  const fields = new Map(text.split(/\r?\n/).map((line) => line.split(':') as [string, string]));
  const state = fields.get('cluster_state')?.trim();
  const served = Number(fields.get('cluster_slots_ok') ?? '0');
  const fixCoverage = 'redis-cli --cluster check <host:port> shows the gaps; redis-cli --cluster fix <host:port> assigns them';
  if (served < SLOTS || state !== 'ok') {
    return fail('cluster', `cluster state ${state ?? 'unknown'}: ${SLOTS - served} of ${SLOTS} hash slots not served, so queues in them cannot be used`, fixCoverage);
  }
  if (!cluster) {
    return warn('cluster', 'this server is a cluster node, but the URL is redis://: keys of other nodes get MOVED errors', 'use redis+cluster://host1:port1,host2:port2 (rediss+cluster:// for TLS)');
  }
  const masters = redis instanceof Cluster ? redis.nodes('master').length : 1;
  return ok('cluster', `cluster state ok, all ${SLOTS} hash slots served by ${masters} masters`);
}
