// Scenario 8: Redis with TLS only and an ACL user limited to one queue's keys. The CLI gets
// the CA through the standard NODE_EXTRA_CA_CERTS variable; `rediss://user:pass@` works for
// enqueue, worker and DLQ; a wrong CA fails closed; the password never appears in output.
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, Worker } from '../../src/index.js';
import type { RedisServer } from '../helpers/redis-server.js';
import { uniqueQueue } from '../helpers/fixtures.js';
import { runCli, TEST_HANDLERS, type CliResult } from './support/processes.js';
import { makeCertificates, startTlsRedis, type TestCertificates } from './support/tls-redis.js';

const PASSWORD = 'acl-pass-canary-5d8e0b';
const ADMIN_PASSWORD = 'admin-pass-canary-91c4';
const queueName = uniqueQueue('tls');
let certs: TestCertificates;
let server: RedisServer;
const outputs: CliResult[] = [];

const url = (password = PASSWORD): string => `rediss://worker:${password}@127.0.0.1:${server.port}`;

async function jobs(args: string[], options: { ca?: string | null; password?: string } = {}): Promise<CliResult> {
  const ca = options.ca === undefined ? certs.caFile : options.ca;
  const env: Record<string, string> = { NODE_EXTRA_CA_CERTS: ca ?? '' };
  const result = await runCli(['--redis', url(options.password), '--queue', queueName, ...args], { env });
  outputs.push(result);
  return result;
}

beforeAll(async () => {
  certs = makeCertificates();
  server = await startTlsRedis(certs, { name: 'worker', password: PASSWORD, keyPatterns: [`jobs:{${queueName}}:*`, 'jobs:queues'] }, ADMIN_PASSWORD);
}, 30_000);
afterAll(async () => {
  await server.stop();
});

describe('scenario 8: TLS and a queue-scoped ACL user', () => {
  it('enqueues, runs a worker and works the DLQ over rediss:// with the ACL user', async () => {
    const ok = await jobs(['--json', 'enqueue', 'echo', '--data', '{"hello":"tls"}']);
    expect(ok.code, ok.stderr).toBe(0);
    const okId = (JSON.parse(ok.stdout) as { id: string }).id;
    const bad = await jobs(['--json', 'enqueue', 'fail', '--max-attempts', '1']);
    expect(bad.code, bad.stderr).toBe(0);
    const badId = (JSON.parse(bad.stdout) as { id: string }).id;

    const worker = await jobs(['--json', 'worker', '--handlers', TEST_HANDLERS, '--drain']);
    expect(worker.code, worker.stderr).toBe(0);
    const shown = await jobs(['--json', 'show', okId]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'success', result: { hello: 'tls' } });

    const dlq = await jobs(['--json', 'dlq', 'list']);
    expect(dlq.code, dlq.stderr).toBe(0);
    expect((JSON.parse(dlq.stdout) as { id: string }[]).map((j) => j.id)).toEqual([badId]);
    const retried = await jobs(['--json', 'dlq', 'retry', badId]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(JSON.parse((await jobs(['--json', 'show', badId])).stdout)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('works from the library with a connection that carries the CA', async () => {
    const connection = new Redis(url(), { tls: { ca: readFileSync(certs.caFile) }, lazyConnect: true });
    const queue = new Queue(queueName, { connection });
    try {
      const { id } = await queue.enqueue('echo', { via: 'library' });
      expect((await queue.requireJob(id)).status).toBe('pending');
      expect(await queue.deadLetters.size()).toBe(0);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  // A Worker handed a connection duplicates it for its blocking reads, keeping TLS and credentials.
  it('runs a library Worker on a connection that carries the CA, picking up work enqueued while idle', async () => {
    const options = { tls: { ca: readFileSync(certs.caFile) }, lazyConnect: true, maxRetriesPerRequest: null };
    const producerConnection = new Redis(url(), options);
    const workerConnection = new Redis(url(), options);
    const queue = new Queue(queueName, { connection: producerConnection });
    const worker = new Worker(queueName, { connection: workerConnection, handlers: { echo: (p) => p }, blockTimeoutMs: 60_000 });
    try {
      await worker.start();
      await new Promise((resolve) => setTimeout(resolve, 300)); // idle: blocked waiting for work
      const { id } = await queue.enqueue('echo', { n: 1 });
      expect((await queue.waitFor(id, { timeoutMs: 3000 })).status).toBe('success');
    } finally {
      await worker.close(500);
      await queue.close();
      producerConnection.disconnect();
      workerConnection.disconnect();
    }
  });

  it('fails closed, exit 4 within 5 s, with the wrong CA or none', async () => {
    for (const ca of [certs.otherCaFile, null]) {
      const result = await jobs(['enqueue', 'echo'], { ca });
      expect(result.code).toBe(4);
      expect(result.elapsedMs).toBeLessThan(5000);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^jobs: cannot reach Redis at rediss:\/\/worker:\*\*\*@127\.0\.0\.1:\d+.*certificate/);
    }
  });

  it('refuses a wrong password and keys outside the ACL with a clear error', async () => {
    const wrong = await jobs(['list'], { password: 'wrong-pass-canary' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/WRONGPASS|invalid username-password/);
    const otherQueue = await runCli(['--redis', url(), '--queue', 'someone-else', 'enqueue', 'echo'], { env: { NODE_EXTRA_CA_CERTS: certs.caFile } });
    outputs.push(otherQueue);
    expect(otherQueue.code).not.toBe(0);
    expect(otherQueue.stderr).toMatch(/NOPERM/);
    expect(otherQueue.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('never prints the password, also with --debug', async () => {
    outputs.push(await jobs(['--debug', 'enqueue', 'echo'], { ca: certs.otherCaFile }));
    outputs.push(await jobs(['--debug', '--queue', 'someone-else', 'list']));
    const everything = outputs.map((o) => o.stdout + o.stderr).join('\n');
    expect(outputs.length).toBeGreaterThan(8);
    for (const secret of [PASSWORD, ADMIN_PASSWORD, 'wrong-pass-canary']) expect(everything).not.toContain(secret);
  });
});
