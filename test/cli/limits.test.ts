// The CLI's flags for limits the library has: the payload size (enqueue --max-payload-bytes), the
// retention of finished jobs (worker --retention-count, --retention-age) and where the
// metrics server listens (worker --metrics-host, default 127.0.0.1).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_HOST, Queue, startMetricsServer } from '../../src/index.js';
import { uniqueQueue, until, useRedisServer } from '../helpers/fixtures.js';
import { freePort } from '../helpers/redis-server.js';
import { takeSnapshot } from '../reliability/support/snapshot.js';
import { HANDLERS_FIXTURE, ndjson, runCli, startCli, type CliOptions } from './run-cli.js';

const redis = useRedisServer();
const dir = mkdtempSync(join(tmpdir(), 'jobs-cli-limits-'));
const closers: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()?.();
});
let admin: Redis;
beforeAll(() => {
  admin = new Redis(redis.url);
});
afterAll(() => {
  admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

function setup(): { queue: Queue; cli: CliOptions } {
  const name = uniqueQueue('limits');
  const queue = new Queue(name, { connection: redis.url });
  closers.push(() => queue.close());
  return { queue, cli: { redis: redis.url, queue: name } };
}

describe('jobs enqueue --max-payload-bytes <bytes>', () => {
  const file = (name: string, bytes: number): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify({ blob: 'x'.repeat(bytes - 11) }));
    return path;
  };

  it('refuses a payload over the default limit with a message that names the flag, and takes a higher one', async () => {
    const { queue, cli } = setup();
    const big = file('big.json', 1_500_000);
    const before = await takeSnapshot(admin);
    const refused = await runCli(['enqueue', 'echo', '--payload', big], cli);
    expect(await takeSnapshot(admin)).toEqual(before);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toMatch(/^jobs: payload of a "echo" job is 1500000 bytes, over the 1048576-byte limit; .*raise the limit with --max-payload-bytes <size> \(e\.g\. 2mb\); nothing was enqueued$/);

    const accepted = await runCli(['enqueue', 'echo', '--payload', big, '--max-payload-bytes', '2000000'], cli);
    expect(accepted.code).toBe(0);
    const job = await queue.requireJob(accepted.stdout.trim());
    expect(JSON.stringify(job.payload)).toHaveLength(1_500_000);
  });

  it('takes a lower limit too, for --data and every --ndjson line', async () => {
    const { cli } = setup();
    const before = await takeSnapshot(admin);
    const data = await runCli(['enqueue', 'echo', '--data', JSON.stringify({ blob: 'x'.repeat(100) }), '--max-payload-bytes', '50'], cli);
    expect(data.code).toBe(2);
    expect(data.stderr).toMatch(/over the 50-byte limit/);
    const lines = join(dir, 'lines.ndjson');
    writeFileSync(lines, `{"n":1}\n${JSON.stringify({ blob: 'x'.repeat(100) })}\n`);
    const bulk = await runCli(['enqueue', 'echo', '--ndjson', lines, '--max-payload-bytes', '50'], cli);
    expect(bulk.code).toBe(2);
    expect(bulk.stderr).toMatch(/^jobs: --ndjson line 2: payload .* over the 50-byte limit/);
    expect(await takeSnapshot(admin)).toEqual(before);
  });
});

describe('jobs worker --retention-count <count> / --retention-age <duration>', () => {
  it('keeps only the newest succeeded jobs; 0 keeps none', async () => {
    const { queue, cli } = setup();
    const ids = (await queue.enqueueMany(Array.from({ length: 5 }, () => ({ type: 'echo' })))).map((r) => r.id);
    const kept = await runCli(['worker', '--handlers', HANDLERS_FIXTURE, '--drain', '--retention-count', '2'], cli);
    expect(kept.code).toBe(0);
    expect((await queue.counts()).success).toBe(2);
    expect(await Promise.all(ids.map(async (id) => (await queue.getJob(id))?.status ?? null))).toEqual([null, null, null, 'success', 'success']);

    const { id } = await queue.enqueue('echo');
    const none = await runCli(['worker', '--handlers', HANDLERS_FIXTURE, '--drain', '--retention-count', '0', '--json'], cli);
    expect(none.code).toBe(0);
    expect(ndjson<{ event: string; id?: string; status?: string }>(none.stdout)).toContainEqual(expect.objectContaining({ event: 'attempt', id, status: 'success' }));
    expect(await queue.getJob(id)).toBeNull();
  });

  it('removes succeeded jobs older than the age given', async () => {
    const { queue, cli } = setup();
    const worker = startCli(['worker', '--handlers', HANDLERS_FIXTURE, '--retention-age', '1s'], cli);
    closers.push(() => {
      worker.kill('SIGKILL');
    });
    const { id } = await queue.enqueue('echo');
    await until(async () => (await queue.getJob(id))?.status === 'success', 15_000, 'the first job to succeed');
    // Age trimming rides on a claim: keep feeding the worker until the first job is a second old.
    await until(
      async () => {
        await queue.enqueue('echo');
        return (await queue.getJob(id)) === null;
      },
      20_000,
      'the first job to be removed',
    );
    expect((await queue.counts()).success).toBeGreaterThan(0);
    worker.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });
});

const reachable = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('jobs worker --metrics-host <host>', () => {
  async function serving(extra: string[]): Promise<{ port: number; url: string }> {
    const { cli } = setup();
    const port = await freePort();
    const worker = startCli(['worker', '--handlers', HANDLERS_FIXTURE, '--metrics-port', String(port), '--log-format', 'json', ...extra], cli);
    closers.push(async () => {
      worker.kill('SIGTERM');
      await worker.exited;
    });
    await until(() => worker.output.stdout.includes('"event":"started"') || worker.exitCode !== null, 20_000, 'the started line');
    const started = ndjson<{ event: string; metricsUrl?: string }>(worker.output.stdout).find((line) => line.event === 'started');
    expect(started?.metricsUrl, worker.output.stderr).toBeDefined();
    return { port, url: started?.metricsUrl ?? '' };
  }

  it('listens on 127.0.0.1 only by default', async () => {
    const { port, url } = await serving([]);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // 127.0.0.2 is this machine too (Linux routes all of 127/8 to loopback), but another address.
    expect(await reachable('127.0.0.2', port)).toBe(false);
  });

  it('is the default of the library too', async () => {
    const server = await startMetricsServer({ port: 0, workers: [] });
    closers.push(() => server.close());
    expect(DEFAULT_METRICS_HOST).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(await reachable('127.0.0.1', server.port)).toBe(true);
    expect(await reachable('127.0.0.2', server.port)).toBe(false);
  });

  it('listens on every interface with --metrics-host 0.0.0.0', async () => {
    const { port } = await serving(['--metrics-host', '0.0.0.0']);
    expect(await reachable('127.0.0.2', port)).toBe(true);
  });

  it('refuses --metrics-host without --metrics-port, and a host it cannot listen on', async () => {
    const { cli } = setup();
    const alone = await runCli(['worker', '--metrics-host', '0.0.0.0'], cli);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toBe('jobs: --metrics-host only applies with --metrics-port; add --metrics-port <port>\n');
    const port = await freePort();
    const bad = await runCli(['worker', '--handlers', HANDLERS_FIXTURE, '--metrics-port', String(port), '--metrics-host', '203.0.113.77'], cli);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n').pop()).toMatch(/^jobs: cannot serve metrics on 203\.0\.113\.77 port \d+ \(EADDRNOTAVAIL\); choose another/);
  });
});
