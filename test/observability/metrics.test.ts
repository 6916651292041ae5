import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { JobMetrics, PermanentError, Worker, startMetricsServer, type MetricsServer } from '../../src/index.js';
import { queueFactory, uniqueQueue, until, useRedisServer } from '../helpers/fixtures.js';
import { RedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);
const servers: MetricsServer[] = [];

afterEach(async () => {
  while (servers.length) await servers.pop()?.close();
});

/** The value of one sample line of a Prometheus text page, or undefined when absent. */
function sample(page: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

async function serve(workers: Worker[], metrics?: JobMetrics): Promise<MetricsServer> {
  const server = await startMetricsServer({ port: 0, host: '127.0.0.1', workers, ...(metrics ? { metrics } : {}) });
  servers.push(server);
  return server;
}

describe('metrics', () => {
  it('counts attempts by outcome and reads queue gauges from Redis at scrape time', async () => {
    const queue = open();
    const metrics = new JobMetrics();
    let flakyCalls = 0;
    const worker = work(queue, {
      concurrency: 2,
      onAttempt: metrics.attemptObserver(queue.name),
      handlers: {
        ok: () => 'fine',
        flaky: () => {
          flakyCalls += 1;
          if (flakyCalls === 1) throw new Error('first try fails');
        },
        broken: () => {
          throw new PermanentError('never works');
        },
      },
    });
    const ids = await queue.enqueueMany([
      { type: 'ok' },
      { type: 'ok' },
      { type: 'ok' },
      { type: 'flaky', options: { backoff: { baseMs: 10, capMs: 10 } } },
      { type: 'broken' },
    ]);
    await queue.enqueue('later', {}, { delay: 60_000 });
    await worker.start();
    const server = await serve([worker], metrics);
    for (const { id } of ids) await queue.waitFor(id, { timeoutMs: 5000 });

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const page = await response.text();
    const q = { queue: queue.name };
    expect(sample(page, 'jobs_processed_total', { ...q, type: 'ok', status: 'success' })).toBe(3);
    expect(sample(page, 'jobs_processed_total', { ...q, type: 'flaky', status: 'retrying' })).toBe(1);
    expect(sample(page, 'jobs_processed_total', { ...q, type: 'flaky', status: 'success' })).toBe(1);
    expect(sample(page, 'jobs_processed_total', { ...q, type: 'broken', status: 'failed' })).toBe(1);
    expect(sample(page, 'job_duration_seconds_count', { ...q, type: 'ok' })).toBe(3);
    expect(sample(page, 'job_wait_seconds_count', { ...q, type: 'flaky' })).toBe(2);
    expect(sample(page, 'dlq_size', q)).toBe(1);
    expect(sample(page, 'jobs_in_state', { ...q, state: 'failed' })).toBe(1);
    expect(sample(page, 'jobs_in_state', { ...q, state: 'scheduled' })).toBe(1);
    expect(sample(page, 'jobs_in_state', { ...q, state: 'pending' })).toBe(0);
    expect(sample(page, 'queue_oldest_pending_age_seconds', q)).toBe(0);
    expect(sample(page, 'jobs_redis_up', q)).toBe(1);
    expect(sample(page, 'worker_busy_slots', q)).toBe(0);
    expect(sample(page, 'worker_concurrency', q)).toBe(2);
    expect(sample(page, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('reports running jobs as busy slots and the age of waiting work', async () => {
    const queue = open();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const worker = work(queue, { handlers: { hold: () => gate } });
    await queue.enqueueMany([{ type: 'hold' }, { type: 'hold' }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await worker.start();
    const server = await serve([worker]);
    await until(async () => (await queue.counts()).running === 1, 5000, 'one running');
    const page = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(page, 'worker_busy_slots', { queue: queue.name })).toBe(1);
    expect(sample(page, 'jobs_in_state', { queue: queue.name, state: 'running' })).toBe(1);
    expect(sample(page, 'jobs_in_state', { queue: queue.name, state: 'pending' })).toBe(1);
    expect(sample(page, 'queue_oldest_pending_age_seconds', { queue: queue.name })).toBeGreaterThanOrEqual(0.3);
    release();
  });
});

describe('/healthz', () => {
  it('is 200 while the loop runs and Redis answers, 503 once the Redis server is gone', async () => {
    const own = await new RedisServer().start();
    let killed = false;
    const worker = new Worker(uniqueQueue('health'), { connection: own.url, handlers: {} });
    try {
      await worker.start();
      const server = await serve([worker]);
      const healthy = await fetch(`${server.url}/healthz`);
      expect(healthy.status).toBe(200);
      expect(await healthy.json()).toMatchObject({ status: 'ok', workers: [{ loop: true, redis: 'ok' }] });
      await own.kill();
      killed = true;
      await until(async () => (await fetch(`${server.url}/healthz`)).status === 503, 5000, '503 after Redis died');
      const body = (await (await fetch(`${server.url}/healthz`)).json()) as { status: string };
      expect(body.status).toBe('unhealthy');
    } finally {
      await worker.close(100);
      // stop() would wait for the exit of a process that is already gone
      if (killed) rmSync(own.dir, { recursive: true, force: true });
      else await own.stop();
    }
  });

  it('is 503 once the worker loop has stopped, though Redis is fine', async () => {
    const queue = open();
    const worker = work(queue, { handlers: {} });
    await worker.start();
    const server = await serve([worker]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await worker.close(100);
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ workers: [{ loop: false }] });
  });
});
