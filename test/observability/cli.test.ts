import { describe, expect, it } from 'vitest';
import { ChildProcessLines } from '../helpers/child.js';
import { queueFactory, uniqueQueue, until, useRedisServer } from '../helpers/fixtures.js';
import { freePort } from '../helpers/redis-server.js';
import { ndjson, runCli, runJson, startCli, HANDLERS_FIXTURE } from '../cli/run-cli.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);
const REGISTERED_WORKER = new URL('./fixtures/registered-worker.mjs', import.meta.url).pathname;

interface EventLine {
  event: string;
  jobId: string;
  type: string | null;
  attempt: number | null;
  error: string | null;
}

interface WorkerLine {
  id: string;
  queue: string;
  pid: number;
  concurrency: number;
  busy: number;
}

describe('jobs events', () => {
  it('--json --follow prints the events of a job that retries then succeeds, in order, until SIGINT', async () => {
    const queue = open();
    await queue.events.enable();
    const follower = startCli(['events', '--json', '--follow'], { redis: redis.url, queue: queue.name });
    await until(() => follower.output.stderr.includes('following queue'), 10_000, 'the follow note');
    let calls = 0;
    const { id } = await queue.enqueue('flaky', {}, { backoff: { baseMs: 10, capMs: 10 } });
    const worker = work(queue, {
      handlers: {
        flaky: () => {
          calls += 1;
          if (calls === 1) throw new Error('first try fails');
        },
      },
    });
    await worker.start();
    await queue.waitFor(id, { timeoutMs: 5000 });
    await until(() => ndjson(follower.output.stdout).length >= 6, 5000, 'six events');
    follower.kill('SIGINT');
    const result = await follower.exited;
    expect(result.code).toBe(0);
    const events = ndjson<EventLine>(result.stdout);
    expect(events.map((e) => e.event)).toEqual(['enqueued', 'started', 'failed', 'retrying', 'started', 'succeeded']);
    expect(events.every((e) => e.jobId === id && e.type === 'flaky')).toBe(true);
    expect(events[2]).toMatchObject({ attempt: 1, error: 'first try fails' });
    expect(events[5]).toMatchObject({ attempt: 2 });
  });

  it('prints stored events filtered by --since, --event and --type; enable/disable switch them', async () => {
    const queue = open();
    const cli = { redis: redis.url, queue: queue.name };
    expect((await runJson<{ enabled: boolean }>(['events', 'status'], cli)).json.enabled).toBe(false);
    const off = await runCli(['events'], cli);
    expect(off.code).toBe(0);
    expect(off.stderr).toMatch(/events are off .* jobs events enable/);
    expect((await runCli(['events', 'enable', '--cap', '500'], cli)).code).toBe(0);
    expect((await runJson<{ enabled: boolean }>(['events', 'status'], cli)).json.enabled).toBe(true);
    const { id: a } = await queue.enqueue('alpha');
    const { id: b } = await queue.enqueue('beta');
    const all = await runCli(['events', '--json', '--since', '1m'], cli);
    expect(ndjson<EventLine>(all.stdout).map((e) => [e.event, e.jobId])).toEqual([
      ['enqueued', a],
      ['enqueued', b],
    ]);
    const betaOnly = await runCli(['events', '--json', '--type', 'beta'], cli);
    expect(ndjson<EventLine>(betaOnly.stdout).map((e) => e.jobId)).toEqual([b]);
    const noneFailed = await runCli(['events', '--json', '--event', 'failed,dead-lettered'], cli);
    expect(noneFailed.stdout.trim()).toBe('');
    const text = await runCli(['events'], cli);
    expect(text.stdout).toMatch(new RegExp(`enqueued +job ${a}  alpha`));
    expect((await runCli(['events', '--event', 'nope'], cli)).code).toBe(2);
    expect((await runCli(['events', 'disable'], cli)).code).toBe(0);
    await queue.enqueue('gamma');
    expect(ndjson<EventLine>((await runCli(['events', '--json'], cli)).stdout)).toHaveLength(2);
  });
});

describe('jobs workers', () => {
  it('--json shows a worker in another process and drops it after its timeout once SIGKILLed', async () => {
    const queue = uniqueQueue('reg');
    const child = new ChildProcessLines(REGISTERED_WORKER, { REDIS_URL: redis.url, QUEUE: queue, HEARTBEAT_MS: '100', TIMEOUT_MS: '600' });
    const listed = async (): Promise<WorkerLine[]> => (await runJson<WorkerLine[]>(['workers'], { redis: redis.url })).json;
    try {
      await until(() => child.has((l) => l.event === 'ready'), 10_000, 'worker ready');
      const mine = (await listed()).filter((w) => w.pid === child.process.pid);
      expect(mine).toEqual([expect.objectContaining({ queue, concurrency: 3, busy: 0 })]);
      await child.kill('SIGKILL');
      const killedAt = Date.now();
      await until(async () => !(await listed()).some((w) => w.pid === child.process.pid), 5000, 'the killed worker to drop out');
      // Gone after the 600 ms timeout, not before the entry could have expired.
      expect(Date.now() - killedAt).toBeLessThan(3000);
    } finally {
      await child.kill('SIGKILL');
    }
  });

  it('lists a running `jobs worker` with its busy slots and forgets it at once on a clean shutdown', async () => {
    const queue = open();
    await queue.enqueue('sleep', { ms: 20_000 });
    const worker = startCli(['worker', '--handlers', HANDLERS_FIXTURE, '--concurrency', '2', '--shutdown-timeout', '100ms'], {
      redis: redis.url,
      queue: queue.name,
    });
    try {
      await until(async () => (await queue.counts()).running === 1, 10_000, 'a running job');
      const listed = async (): Promise<WorkerLine[]> =>
        (await runJson<WorkerLine[]>(['workers', '--queues', queue.name], { redis: redis.url })).json;
      expect(await listed()).toEqual([expect.objectContaining({ queue: queue.name, pid: worker.pid, concurrency: 2 })]);
      worker.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);
      expect(await listed()).toEqual([]);
    } finally {
      worker.kill('SIGKILL');
    }
  });
});

describe('jobs worker --metrics-port and --log-format', () => {
  it('serves counters after known work and logs one JSON object per attempt', async () => {
    const queue = open();
    const port = await freePort();
    const ids = await queue.enqueueMany([{ type: 'echo' }, { type: 'echo' }, { type: 'fail', options: { maxAttempts: 1 } }]);
    const worker = startCli(['worker', '--handlers', HANDLERS_FIXTURE, '--metrics-port', String(port), '--log-format', 'json'], {
      redis: redis.url,
      queue: queue.name,
    });
    try {
      for (const { id } of ids) await queue.waitFor(id, { timeoutMs: 10_000 });
      await until(() => worker.output.stdout.includes('"event":"started"'), 5000, 'the started line');
      const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(page).toContain(`jobs_processed_total{queue="${queue.name}",type="echo",status="success"} 2`);
      expect(page).toContain(`jobs_processed_total{queue="${queue.name}",type="fail",status="failed"} 1`);
      expect(page).toContain(`dlq_size{queue="${queue.name}"} 1`);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      await until(() => ndjson<{ event: string }>(worker.output.stdout).filter((l) => l.event === 'attempt').length === 3, 5000, 'attempt lines');
      const lines = ndjson<Record<string, unknown>>(worker.output.stdout);
      expect(lines.find((l) => l.event === 'attempt' && l.status === 'failed')).toMatchObject({
        level: 'error',
        queue: queue.name,
        type: 'fail',
        attempt: 1,
        error: expect.any(String),
        durationMs: expect.any(Number),
      });
    } finally {
      worker.kill('SIGTERM');
      await worker.exited;
    }
  });
});
