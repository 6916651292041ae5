import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose, Queue, QueueRegistry } from '../../src/index.js';
import { uniqueQueue, until } from '../helpers/fixtures.js';
import { RedisCluster } from '../helpers/redis-cluster.js';
import { runJson } from './run-cli.js';

const cluster = new RedisCluster();
beforeAll(async () => {
  await cluster.start();
}, 60_000);
afterAll(async () => {
  await cluster.stop();
});

/** Every key on every master matching the pattern. */
async function clusterKeys(pattern: string): Promise<string[]> {
  const keys: string[] = [];
  for (const master of cluster.masters) {
    const node = new Redis(master.url);
    keys.push(...(await node.keys(pattern)));
    node.disconnect();
  }
  return keys;
}

describe('queue delete and doctor on a Redis Cluster', () => {
  it('deletes every key of one queue from the master that holds it; other queues stay', async () => {
    const prefix = uniqueQueue('cl');
    const names = ['alpha', 'beta', 'gamma', 'delta'];
    for (const name of names) {
      const queue = new Queue(name, { connection: cluster.url, prefix });
      await queue.enqueueMany(Array.from({ length: 30 }, (_, i) => ({ type: 'x', payload: { i } })));
      await queue.close();
    }
    expect((await clusterKeys(`${prefix}:{alpha}:*`)).length).toBeGreaterThan(60);
    const registry = new QueueRegistry({ connection: cluster.url, prefix });
    try {
      const deleted = await registry.delete('alpha', { force: true });
      expect(deleted).toBeGreaterThan(60);
      expect(await clusterKeys(`${prefix}:{alpha}:*`)).toEqual([]);
      expect(await registry.names()).toEqual(['beta', 'delta', 'gamma']);
      for (const name of ['beta', 'gamma', 'delta']) expect((await clusterKeys(`${prefix}:{${name}}:j:*`)).length).toBe(30);
    } finally {
      await registry.close();
    }
  });

  it('doctor sees full slot coverage, then a slot nobody serves', async () => {
    const { json } = await runJson<{ checks: { name: string; status: string; message: string }[] }>(['doctor', '--dev'], { redis: cluster.url });
    expect(json.checks.find((c) => c.name === 'cluster')).toMatchObject({ status: 'ok', message: expect.stringMatching(/all 16384 hash slots served by 3 masters/) });
    // each master's server checks are reported with its address
    expect(json.checks.filter((c) => c.name === 'persistence')).toHaveLength(3);

    const nodes = cluster.masters.map((m) => new Redis(m.url));
    try {
      for (const node of nodes) await node.call('CLUSTER', 'DELSLOTS', '0').catch(() => undefined);
      await until(async () => (await diagnose({ connection: cluster.url, dev: true })).checks.some((c) => c.name === 'cluster' && c.status === 'fail'), 20_000, 'the uncovered slot reported');
      const report = await diagnose({ connection: cluster.url, dev: true });
      expect(report.ok).toBe(false);
      expect(report.checks.find((c) => c.name === 'cluster')).toMatchObject({ message: expect.stringMatching(/1 of 16384 hash slots not served/), fix: expect.stringMatching(/redis-cli --cluster fix/) });
    } finally {
      for (const node of nodes) node.disconnect();
    }
  });
});
