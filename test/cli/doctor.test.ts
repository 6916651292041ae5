import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkClock } from '../../src/observability/doctor/client-checks.js';
import { checkVersion } from '../../src/observability/doctor/server-checks.js';
import { diagnose, type CheckResult } from '../../src/index.js';
import { until } from '../helpers/fixtures.js';
import { freePort, RedisServer } from '../helpers/redis-server.js';
import { runCli, runJson } from './run-cli.js';

interface DoctorJson {
  ok: boolean;
  dev: boolean;
  checks: CheckResult[];
}

const byName = (checks: CheckResult[]): Record<string, CheckResult> => Object.fromEntries(checks.map((c) => [c.name, c]));

// a development server as the tests start them: no AOF, no RDB snapshots
const plain = new RedisServer();
// a production-like pair: AOF with fsync always, and a replica that must acknowledge writes
const primary = new RedisServer({ appendOnly: true, args: ['--min-replicas-to-write', '1'] });
let replica: RedisServer;

beforeAll(async () => {
  await Promise.all([plain.start(), primary.start()]);
  replica = new RedisServer({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
  await replica.start();
  const admin = new Redis(primary.url);
  try {
    // in sync ("online") with a lag reported: the primary then counts it as a good replica
    await until(async () => /min_slaves_good_slaves:1/.test(await admin.info('replication')), 30_000, 'the replica in sync');
  } finally {
    admin.disconnect();
  }
}, 60_000);
afterAll(async () => {
  await Promise.all([plain.stop(), primary.stop(), replica?.stop()]);
});

describe('jobs doctor', () => {
  it('fails a Redis without persistence (exit 1) and says how to fix it; --dev accepts it with a warning', async () => {
    const prod = await runJson<DoctorJson>(['doctor'], { redis: plain.url });
    expect(prod.code).toBe(1);
    expect(prod.json.ok).toBe(false);
    const checks = byName(prod.json.checks);
    expect(Object.keys(checks)).toEqual(['redis-version', 'eviction', 'persistence', 'replication', 'cluster', 'latency', 'clock', 'acl']);
    expect(checks.persistence).toMatchObject({ status: 'fail', message: expect.stringMatching(/no persistence/), fix: expect.stringMatching(/appendonly yes/) });
    expect(checks.replication).toMatchObject({ status: 'warn', fix: expect.stringMatching(/min-replicas-to-write/) });
    expect(checks['redis-version']).toMatchObject({ status: 'ok', message: expect.stringMatching(/^Redis \d+\.\d+/) });
    expect(checks.eviction?.status).toBe('ok');
    expect(checks.cluster?.status).toBe('skip');
    expect(checks.clock?.status).toBe('ok');
    expect(checks.acl?.status).toBe('ok');

    const dev = await runJson<DoctorJson>(['doctor', '--dev'], { redis: plain.url });
    expect(dev.code).toBe(0);
    expect(byName(dev.json.checks)).toMatchObject({ persistence: { status: 'warn' }, replication: { status: 'skip' } });
    const strict = await runCli(['doctor', '--dev', '--strict'], { redis: plain.url });
    expect(strict.code).toBe(1);

    // for people: one line per check, the fix under each finding, a count at the end
    const text = await runCli(['doctor'], { redis: plain.url });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^✗ persistence +no persistence.*\n +fix: CONFIG SET appendonly yes/m);
    expect(text.stdout).toMatch(/^✓ eviction +maxmemory-policy noeviction$/m);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toMatch(/^1 failure, 1 warning$/);
  });

  it('passes a primary with AOF (fsync always) and a replica it waits for', async () => {
    const report = await runJson<DoctorJson>(['doctor'], { redis: primary.url });
    expect(report.code).toBe(0);
    const checks = byName(report.json.checks);
    expect(checks.persistence).toMatchObject({ status: 'ok', message: expect.stringMatching(/appendfsync always/) });
    expect(checks.replication).toMatchObject({ status: 'ok', message: '1 replica(s), min-replicas-to-write 1' });
    // the latency check may warn on a loaded machine; nothing else may
    for (const check of report.json.checks.filter((c) => c.name !== 'latency')) expect(['ok', 'skip'], `${check.name}: ${check.message}`).toContain(check.status);
  });

  it('fails an evicting policy, a read-only replica and missing ACL rights, naming the fix', async () => {
    const admin = new Redis(plain.url);
    try {
      await admin.config('SET', 'maxmemory', '1gb');
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const evicting = byName((await diagnose({ connection: plain.url, dev: true })).checks);
      expect(evicting.eviction).toMatchObject({ status: 'fail', message: expect.stringMatching(/allkeys-lru/), fix: expect.stringMatching(/noeviction/) });
      await admin.config('SET', 'maxmemory-policy', 'noeviction');

      await admin.call('ACL', 'SETUSER', 'limited', 'on', '>secret', '+@read', '+@write', '+@connection', '+info', '+time', '~jobs:{default}:*', '~jobs:queues');
      const limited = await runJson<DoctorJson>(['doctor', '--dev'], { redis: `redis://limited:secret@127.0.0.1:${plain.port}` });
      expect(limited.code).toBe(1);
      const acl = byName(limited.json.checks).acl;
      expect(acl?.status).toBe('fail');
      expect(acl?.message).toBe('refused for queue "default": EVAL (scripting), MULTI/EXEC (transaction)');
      expect(acl?.fix).toMatch(/^ACL SETUSER limited \+@read \+@write \+@scripting .* ~jobs:\{default\}:\* ~jobs:queues$/);
      expect(JSON.stringify(limited.json)).not.toMatch(/secret/);
    } finally {
      await admin.config('SET', 'maxmemory', '0').catch(() => undefined);
      admin.disconnect();
    }

    const onReplica = byName((await diagnose({ connection: replica.url, dev: true })).checks);
    expect(onReplica.replication).toMatchObject({ status: 'fail', message: expect.stringMatching(/read-only replica/) });
  });

  it('exits 4 when Redis cannot be reached', async () => {
    const result = await runCli(['doctor'], { redis: `redis://127.0.0.1:${await freePort()}` });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^jobs: cannot reach Redis/);
  });
});

describe('doctor checks', () => {
  it('warns when this host clock is more than a second off Redis', async () => {
    const redis = new Redis(plain.url);
    try {
      expect((await checkClock(redis)).status).toBe('ok');
      const skewed = await checkClock(redis, () => Date.now() + 5000);
      expect(skewed).toMatchObject({ status: 'warn', message: expect.stringMatching(/clock is 5s ahead of Redis's/), fix: expect.stringMatching(/NTP/) });
    } finally {
      redis.disconnect();
    }
  });

  it('fails a Redis older than 6.2', async () => {
    const reporting = (version: string): Redis => ({ info: async () => `# Server\r\nredis_version:${version}\r\n` }) as unknown as Redis;
    expect((await checkVersion({ redis: reporting('6.0.16'), address: '', dev: false })).status).toBe('fail');
    expect((await checkVersion({ redis: reporting('6.2.0'), address: '', dev: false })).status).toBe('ok');
    expect((await checkVersion({ redis: reporting('7.4.1'), address: '', dev: false })).status).toBe('ok');
  });
});
