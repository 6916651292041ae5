import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue, type JobState } from '../../src/index.js';
import { uniqueQueue, until, useClosers, useRedisServer } from '../helpers/fixtures.js';
import { HANDLERS_FIXTURE, ndjson, runCli, startCli, type CliOptions } from './run-cli.js';

const redis = useRedisServer();
const closers = useClosers();

interface WorkerEvent {
  event: 'started' | 'attempt' | 'summary';
  id?: string;
  type?: string;
  status?: string;
  attempt?: number;
  durationMs?: number;
  queue?: string;
  success?: number;
  returned?: number;
  attempts?: number;
}

function open(name = uniqueQueue('wrk')): { queue: Queue; cli: CliOptions } {
  const queue = new Queue(name, { connection: redis.url });
  closers.push(() => queue.close());
  return { queue, cli: { redis: redis.url, queue: name } };
}

async function states(queue: Queue, ids: string[]): Promise<JobState[]> {
  return (await queue.getJobs(ids)).map((job) => job.status);
}

describe('jobs worker', () => {
  it('--drain runs due work to completion (retries included, delayed jobs not awaited) and exits 0', async () => {
    const { queue, cli } = open();
    const { id: echo } = await queue.enqueue('echo', { v: 1 });
    const { id: flaky } = await queue.enqueue('fail', {}, { maxAttempts: 2, backoff: { baseMs: 50, capMs: 50 } });
    const { id: slow } = await queue.enqueue('sleep', { ms: 100 });
    const { id: later } = await queue.enqueue('echo', {}, { delay: 3_600_000 });

    const result = await runCli(['worker', '--handlers', HANDLERS_FIXTURE, '--drain', '--concurrency', '2', '--log-format', 'pretty'], cli);
    expect(result.code).toBe(0);
    expect(await states(queue, [echo, flaky, slow, later])).toEqual(['success', 'failed', 'success', 'pending']);
    expect((await queue.requireJob(flaky)).attempts).toBe(2);
    // one line per attempt: id, type, state, duration; then a summary
    const lines = result.stdout.trim().split('\n');
    expect(lines.find((line) => line.includes(` ${echo} echo success attempt 1 `))).toBeDefined();
    expect(lines.filter((line) => line.includes(` ${flaky} fail `)).map((line) => /fail (\w+) attempt/.exec(line)?.[1])).toEqual([
      'retrying',
      'failed',
    ]);
    expect(lines.at(-1)).toMatch(/worker stopped after .*: 4 attempts \(2 success, 1 retrying, 1 failed/);
  });

  it('--json logs one JSON object per line and --max-jobs stops after that many jobs', async () => {
    const { queue, cli } = open();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await queue.enqueue('echo', { i })).id);
    const result = await runCli(['worker', '--handlers', HANDLERS_FIXTURE, '--max-jobs', '2', '--json'], cli);
    expect(result.code).toBe(0);
    const events = ndjson<WorkerEvent>(result.stdout);
    expect(events[0]).toMatchObject({ event: 'started', queues: [queue.name], concurrency: 1 });
    const attempts = events.filter((e) => e.event === 'attempt');
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).toMatchObject({ queue: queue.name, id: ids[0], type: 'echo', status: 'success', attempt: 1, durationMs: expect.any(Number) });
    expect(events.at(-1)).toMatchObject({ event: 'summary', reason: 'done', attempts: 2, success: 2 });
    expect((await queue.counts()).pending).toBe(3);
  });

  it('--queues works on several queues at once', async () => {
    const a = open();
    const b = open();
    const { id: inA } = await a.queue.enqueue('echo', {});
    const { id: inB } = await b.queue.enqueue('echo', {});
    const result = await runCli(['worker', '--handlers', HANDLERS_FIXTURE, '--queues', `${a.queue.name},${b.queue.name}`, '--drain'], {
      redis: redis.url,
    });
    expect(result.code).toBe(0);
    expect(await states(a.queue, [inA])).toEqual(['success']);
    expect(await states(b.queue, [inB])).toEqual(['success']);
  });

  it('SIGTERM lets running jobs finish, leaves the rest pending, and loses none', async () => {
    const { queue, cli } = open();
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) ids.push((await queue.enqueue('sleep', { ms: 800 })).id);
    const worker = startCli(['worker', '--handlers', HANDLERS_FIXTURE, '--concurrency', '3', '--json'], cli);
    await until(async () => (await queue.counts()).running === 3, 10_000, 'three running jobs');
    worker.kill('SIGTERM');
    const result = await worker.exited;
    expect(result.code).toBe(0);
    const finalStates = await states(queue, ids);
    expect(finalStates.filter((s) => s === 'success')).toHaveLength(3);
    expect(finalStates.filter((s) => s === 'pending')).toHaveLength(3);
    expect(ndjson<WorkerEvent>(result.stdout).at(-1)).toMatchObject({ event: 'summary', reason: 'signal', success: 3 });
    expect(result.stderr).toMatch(/SIGTERM, shutting down/);
    expect(await queue.counts()).toMatchObject({ running: 0, retrying: 0, failed: 0 });
  });

  it('SIGTERM past --shutdown-timeout hands running jobs back as pending at once', async () => {
    const { queue, cli } = open();
    const ids: string[] = [];
    for (let i = 0; i < 2; i += 1) ids.push((await queue.enqueue('sleep', { ms: 20_000 })).id);
    const worker = startCli(['worker', '--handlers', HANDLERS_FIXTURE, '--concurrency', '2', '--shutdown-timeout', '200ms', '--json'], cli);
    await until(async () => (await queue.counts()).running === 2, 10_000, 'two running jobs');
    const signalledAt = Date.now();
    worker.kill('SIGTERM');
    const result = await worker.exited;
    expect(result.code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(5000);
    expect(await states(queue, ids)).toEqual(['pending', 'pending']);
    expect(ndjson<WorkerEvent>(result.stdout).at(-1)).toMatchObject({ event: 'summary', returned: 2 });
  });

  it('a second SIGINT forces an exit with code 1', async () => {
    const { queue, cli } = open();
    await queue.enqueue('sleep', { ms: 20_000 });
    const worker = startCli(['worker', '--handlers', HANDLERS_FIXTURE, '--json'], cli);
    await until(async () => (await queue.counts()).running === 1, 10_000, 'a running job');
    worker.kill('SIGINT');
    await until(() => worker.output.stderr.includes('shutting down'), 5000, 'the shutdown note');
    worker.kill('SIGINT');
    const result = await worker.exited;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/forced exit/);
  });

  it('exits 2 on a missing or malformed handlers module and on --exec-allow without --allow-exec', async () => {
    const { cli } = open();
    const dir = mkdtempSync(join(tmpdir(), 'jobs-cli-handlers-'));
    writeFileSync(join(dir, 'bad.mjs'), 'export default { echo: 42 };');
    const [missing, malformed, execAllow] = await Promise.all([
      runCli(['worker', '--handlers', 'no/such/handlers.js', '--drain'], cli),
      runCli(['worker', '--handlers', join(dir, 'bad.mjs'), '--drain'], cli),
      runCli(['worker', '--exec-allow', 'ls', '--drain'], cli),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/handlers module no\/such\/handlers.js not found/);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/"echo" is not a function/);
    expect(execAllow.code).toBe(2);
    expect(execAllow.stderr).toMatch(/--allow-exec/);
  });
});
