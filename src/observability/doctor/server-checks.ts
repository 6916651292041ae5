import { configValue, fail, info, ok, skip, warn, type CheckResult, type ServerProbe } from './check.js';

export async function checkVersion({ redis }: ServerProbe): Promise<CheckResult> {
  const server = await info(redis, 'server');
  const version = server.get('redis_version') ?? '';
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const tooOld = major < 6 || (major === 6 && minor < 2);
  if (!version) return fail('redis-version', 'the server did not report a version', 'use Redis 6.2 or newer');
  if (tooOld) return fail('redis-version', `Redis ${version} is older than 6.2, which jobs needs (LPOP with a count, ZMSCORE, GETDEL)`, 'upgrade Redis to 6.2 or newer (7.x recommended)');
  return ok('redis-version', `Redis ${version}`);
}

export async function checkEviction({ redis }: ServerProbe): Promise<CheckResult> {
  const memory = await info(redis, 'memory');
  const policy = memory.get('maxmemory_policy') ?? (await configValue(redis, 'maxmemory-policy'));
  const limit = Number(memory.get('maxmemory') ?? '0');
  const fix = 'CONFIG SET maxmemory-policy noeviction, and maxmemory-policy noeviction in redis.conf (or your provider\'s settings)';
  if (policy === undefined) return warn('eviction', 'cannot read maxmemory-policy', `check it is noeviction: ${fix}`);
  if (policy === 'noeviction') return ok('eviction', 'maxmemory-policy noeviction');
  if (limit === 0) return warn('eviction', `maxmemory-policy is ${policy}; no maxmemory is set, but once one is, Redis may delete jobs`, fix);
  return fail('eviction', `maxmemory-policy is ${policy}: under memory pressure Redis deletes keys, and so jobs`, fix);
}

export async function checkPersistence({ redis, dev }: ServerProbe): Promise<CheckResult> {
  const persistence = await info(redis, 'persistence');
  const aof = persistence.get('aof_enabled') === '1';
  const [fsync, save] = await Promise.all([configValue(redis, 'appendfsync'), configValue(redis, 'save')]);
  const enableAof = 'CONFIG SET appendonly yes, CONFIG SET appendfsync always (or everysec), and the same in redis.conf';
  if (aof) {
    if (fsync === 'always') return ok('persistence', 'AOF on, appendfsync always: no acknowledged job is lost in a crash');
    if (fsync === undefined) return warn('persistence', 'AOF on; appendfsync unknown (CONFIG GET refused)', 'check appendfsync is always (or everysec if losing the last second is acceptable)');
    if (dev) return ok('persistence', `AOF on, appendfsync ${fsync}`);
    const loses = fsync === 'everysec' ? 'a crash can lose the last second of acknowledged enqueues' : 'the OS decides when writes reach the disk; a crash can lose many seconds';
    return warn('persistence', `AOF on, appendfsync ${fsync}: ${loses}`, 'CONFIG SET appendfsync always (costs write throughput), and the same in redis.conf');
  }
  if (save === undefined) return warn('persistence', 'AOF off; RDB settings unknown (CONFIG GET refused)', `check your provider's persistence; for no loss: ${enableAof}`);
  if (save.trim() !== '') {
    if (dev) return ok('persistence', `RDB snapshots (save ${save}), no AOF`);
    return warn('persistence', `RDB snapshots only (save ${save}): a crash loses every job since the last snapshot`, enableAof);
  }
  if (dev) return warn('persistence', 'no persistence: a Redis restart loses every queue (fine for development)', enableAof);
  return fail('persistence', 'no persistence (AOF off, no RDB snapshots): a Redis restart loses every queue', enableAof);
}

export async function checkReplication({ redis, dev }: ServerProbe): Promise<CheckResult> {
  const replication = await info(redis, 'replication');
  const role = replication.get('role');
  if (role === 'slave' || role === 'replica') {
    return fail('replication', 'connected to a read-only replica: every write fails', 'point --redis at the master (for a cluster use a redis+cluster:// URL)');
  }
  const replicas = Number(replication.get('connected_slaves') ?? '0');
  if (replicas === 0) {
    if (dev) return skip('replication', 'no replica (not needed for development)');
    return warn('replication', 'no replica: losing this host loses the queues until it is restored', 'add a replica (REPLICAOF on a second server) with Sentinel or a managed failover, and set min-replicas-to-write 1');
  }
  const minReplicas = await configValue(redis, 'min-replicas-to-write');
  const good = replication.get('min_slaves_good_slaves');
  if (good !== undefined && minReplicas !== undefined && Number(good) < Number(minReplicas)) {
    return fail('replication', `${good} of ${replicas} replica(s) in sync, below min-replicas-to-write ${minReplicas}: every write is refused (NOREPLICAS)`, 'bring the replicas back in sync (INFO replication on each), or lower min-replicas-to-write');
  }
  if (minReplicas === undefined) return warn('replication', `${replicas} replica(s); min-replicas-to-write unknown (CONFIG GET refused)`, 'check min-replicas-to-write is at least 1');
  if (Number(minReplicas) < 1 && !dev) {
    return warn('replication', `${replicas} replica(s), min-replicas-to-write 0: the master accepts writes with no replica connected, and a failover then loses them`, 'CONFIG SET min-replicas-to-write 1 and min-replicas-max-lag 10, and the same in redis.conf');
  }
  return ok('replication', `${replicas} replica(s), min-replicas-to-write ${minReplicas}`);
}
