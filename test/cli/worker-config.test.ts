import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue } from '../../src/index.js';
import { freePort } from '../helpers/redis-server.js';
import { uniqueQueue, useClosers, useRedisServer } from '../helpers/fixtures.js';
import { HANDLERS_FIXTURE, ndjson, ROOT, runCli } from './run-cli.js';

const redis = useRedisServer();
const closers = useClosers();

function open(): Queue {
  const queue = new Queue(uniqueQueue('wcfg'), { connection: redis.url });
  closers.push(() => queue.close());
  return queue;
}

/** A working directory holding this jobs.config.json. */
function configDir(settings: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobs-wcfg-'));
  writeFileSync(join(dir, 'jobs.config.json'), JSON.stringify({ redis: redis.url, ...settings }));
  return dir;
}

interface Started {
  event: 'started';
  queues: string[];
  concurrency: number;
  metricsUrl?: string;
}

describe('worker settings from the config file and JOBS_* variables', () => {
  it('takes every worker option from the file, the environment over the file, a flag over both', async () => {
    const queue = open();
    const ignored = open();
    const cwd = configDir({
      queues: [ignored.name],
      concurrency: 3,
      drain: true,
      logFormat: 'json',
      handlers: join(ROOT, HANDLERS_FIXTURE),
      retentionCount: 0,
      shutdownTimeout: '5s',
    });
    const port = await freePort();
    const env = { JOBS_QUEUES: queue.name, JOBS_METRICS_PORT: String(port), JOBS_METRICS_HOST: 'localhost' };
    const { id } = await queue.enqueue('echo', { n: 1 });
    const fromFile = await runCli(['worker'], { cwd, env });
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const started = ndjson<Started>(fromFile.stdout).find((e) => e.event === 'started');
    expect(started).toMatchObject({ queues: [queue.name], concurrency: 3, metricsUrl: `http://localhost:${port}` });
    // retentionCount 0: a succeeded job is deleted at once
    expect(await queue.getJob(id)).toBeNull();
    expect(await ignored.counts()).toMatchObject({ pending: 0 });

    await queue.enqueue('echo');
    const withFlag = await runCli(['worker', '--concurrency', '2', '--metrics-port', '0'], { cwd, env });
    expect(withFlag.code, withFlag.stderr).toBe(0);
    expect(ndjson<Started>(withFlag.stdout).find((e) => e.event === 'started')).toMatchObject({ concurrency: 2, queues: [queue.name] });
  });

  it('refuses a bad value with the name of its source and exit 2', async () => {
    const cwd = configDir({ concurrency: 0 });
    const fromFile = await runCli(['worker', '--drain'], { cwd });
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toMatch(/^jobs: config file .*jobs\.config\.json: "concurrency": expected a whole number of at least 1, got 0\n$/);
    const fromEnv = await runCli(['worker', '--drain'], { redis: redis.url, env: { JOBS_SHUTDOWN_TIMEOUT: 'soon' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/JOBS_SHUTDOWN_TIMEOUT "soon" is not a duration/);
  });

  it('applies the payload limit to enqueue from the environment or the file', async () => {
    const queue = open();
    const big = JSON.stringify({ text: 'x'.repeat(100) });
    const fromEnv = await runCli(['enqueue', 'echo', '--data', big], { redis: redis.url, queue: queue.name, env: { JOBS_MAX_PAYLOAD_BYTES: '64' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/over the 64-byte limit/);
    const cwd = configDir({ maxPayloadBytes: '1kb', queue: queue.name });
    expect((await runCli(['enqueue', 'echo', '--data', big], { cwd })).code).toBe(0);
    expect((await runCli(['enqueue', 'echo', '--data', JSON.stringify({ text: 'x'.repeat(2000) })], { cwd })).stderr).toMatch(/over the 1024-byte limit/);
    expect((await queue.counts()).pending).toBe(1);
  });
});
