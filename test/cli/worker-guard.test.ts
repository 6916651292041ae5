import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from '../../src/index.js';
import { uniqueQueue, useRedisServer } from '../helpers/fixtures.js';
import { takeSnapshot } from '../reliability/support/snapshot.js';
import { runCli, type CliOptions } from './run-cli.js';

const redis = useRedisServer();
const scratch = mkdtempSync(join(tmpdir(), 'jobs-worker-guard-'));
let admin: Redis;
let server: Server;
let hookUrl: string;
let deliveries = 0;

beforeAll(async () => {
  admin = new Redis(redis.url);
  server = createServer((request, response) => {
    deliveries += 1;
    request.resume();
    request.on('end', () => response.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  admin.disconnect();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});

/** No allow-list from the developer's own environment. */
const NO_ALLOW_LIST = { JOBS_WEBHOOK_ALLOW_NETWORKS: '' };

async function queueWithGuardedJobs(): Promise<{ queue: Queue; cli: CliOptions; webhook: string; exec: string; marker: string }> {
  const name = uniqueQueue('guard');
  const queue = new Queue(name, { connection: redis.url });
  const marker = join(scratch, `${name}.marker`);
  const preload = join(scratch, `${name}.cjs`);
  writeFileSync(preload, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'preloaded');`);
  const webhook = await queue.enqueue('webhook', { url: hookUrl, data: { n: 1 } });
  const exec = await queue.enqueue('exec', { command: process.execPath, args: ['-e', ''], env: { NODE_OPTIONS: `--require ${preload}` } });
  return { queue, cli: { redis: redis.url, queue: name, env: NO_ALLOW_LIST }, webhook: webhook.id, exec: exec.id, marker };
}

describe('jobs worker: webhook destinations and exec environment', () => {
  it('refuses a loopback webhook and an exec env with NODE_OPTIONS by default', async () => {
    const { queue, cli, webhook, exec, marker } = await queueWithGuardedJobs();
    const before = deliveries;
    const result = await runCli(['worker', '--allow-exec', '--drain'], cli);
    expect(result.code).toBe(0);
    const [webhookJob, execJob] = await queue.getJobs([webhook, exec]);
    expect([webhookJob?.status, webhookJob?.attempts]).toEqual(['failed', 1]);
    expect(webhookJob?.error).toContain('127.0.0.1 is a loopback address (127.0.0.0/8)');
    expect([execJob?.status, execJob?.attempts]).toEqual(['failed', 1]);
    expect(execJob?.error).toContain('may not set NODE_OPTIONS');
    expect(deliveries).toBe(before);
    expect(() => readFileSync(marker)).toThrow();
    await queue.close();
  });

  it('--webhook-allow-networks and --exec-allow-env open them', async () => {
    const { queue, cli, webhook, exec, marker } = await queueWithGuardedJobs();
    const before = deliveries;
    const result = await runCli(['worker', '--allow-exec', '--exec-allow-env', 'NODE_OPTIONS', '--webhook-allow-networks', '127.0.0.0/8', '--drain'], cli);
    expect(result.code).toBe(0);
    const [webhookJob, execJob] = await queue.getJobs([webhook, exec]);
    expect(webhookJob?.status).toBe('success');
    expect(execJob?.status).toBe('success');
    expect(deliveries).toBe(before + 1);
    expect(readFileSync(marker, 'utf8')).toBe('preloaded');
    await queue.close();
  });

  it.each([
    {
      what: 'an invalid --webhook-allow-networks entry',
      args: ['worker', '--webhook-allow-networks', '127.0.0.0/8,10.0.0.0/33', '--drain'],
      env: NO_ALLOW_LIST,
      message: /^jobs: --webhook-allow-networks: "10\.0\.0\.0\/33" is not a CIDR: the prefix length must be a whole number from 0 to 32 for IPv4$/,
    },
    {
      what: 'an invalid JOBS_WEBHOOK_ALLOW_NETWORKS',
      args: ['worker', '--drain'],
      env: { JOBS_WEBHOOK_ALLOW_NETWORKS: 'intranet' },
      message: /^jobs: JOBS_WEBHOOK_ALLOW_NETWORKS: "intranet" is not a CIDR/,
    },
    {
      what: '--exec-allow-env without --allow-exec',
      args: ['worker', '--exec-allow-env', 'PATH', '--drain'],
      env: NO_ALLOW_LIST,
      message: /^jobs: --exec-allow-env only applies with --allow-exec/,
    },
  ])('exits 2 on $what with one line and writes nothing', async ({ args, env, message }) => {
    const name = uniqueQueue('guard-bad');
    const queue = new Queue(name, { connection: redis.url });
    await queue.enqueue('webhook', { url: hookUrl, data: {} });
    await queue.close();
    const before = await takeSnapshot(admin);
    const result = await runCli(args, { redis: redis.url, queue: name, env });
    expect(await takeSnapshot(admin)).toEqual(before);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr.trimEnd()).toMatch(message);
  });
});
