import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RedisServer } from './redis-server.js';

const run = promisify(execFile);

/** A private 3-master Redis Cluster on free loopback ports, created with redis-cli --cluster. */
export class RedisCluster {
  readonly masters = [0, 1, 2].map(
    () => new RedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'] }),
  );

  /** `redis+cluster://` URL listing every master as a seed. */
  get url(): string {
    return `redis+cluster://${this.masters.map((m) => `127.0.0.1:${m.port}`).join(',')}`;
  }

  async start(): Promise<this> {
    await Promise.all(this.masters.map((m) => m.start()));
    const nodes = this.masters.map((m) => `127.0.0.1:${m.port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    // wait until every node agrees the cluster is up
    const deadline = Date.now() + 15_000;
    for (const master of this.masters) {
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(master.port), 'cluster', 'info']);
        if (stdout.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error('redis cluster did not become ready');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return this;
  }

  /** The port of the master that serves a key. */
  async masterPortOf(key: string): Promise<number> {
    const { stdout } = await run('redis-cli', ['-p', String(this.masters[0]!.port), 'cluster', 'keyslot', key]);
    const slot = Number(stdout.trim());
    const { stdout: slots } = await run('redis-cli', ['-p', String(this.masters[0]!.port), 'cluster', 'slots']);
    const lines = slots.trim().split('\n');
    // reply rows: start, end, host, port, id (repeated per range)
    for (let i = 0; i + 3 < lines.length; i += 1) {
      const start = Number(lines[i]);
      const end = Number(lines[i + 1]);
      if (Number.isInteger(start) && Number.isInteger(end) && lines[i + 2] === '127.0.0.1' && slot >= start && slot <= end) {
        return Number(lines[i + 3]);
      }
    }
    throw new Error(`no master found for slot ${slot}`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.masters.map((m) => m.stop()));
  }
}
