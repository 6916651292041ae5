// `jobs enqueue --key` for a job that retention (or a dead-letter purge) already deleted says
// what is known: the original id, that it finished and was removed, and how it ended; with
// --wait it exits by that outcome. Nothing is enqueued again.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, Worker } from '../../src/index.js';
import { uniqueQueue, until, useClosers, useRedisServer } from '../helpers/fixtures.js';
import { runCli, runJson, startCli, type CliOptions } from './run-cli.js';

const redis = useRedisServer();
let admin: Redis;
beforeAll(() => {
  admin = new Redis(redis.url);
});
afterAll(async () => {
  await admin.quit();
});
const closers = useClosers();

interface EnqueueJson {
  id: string;
  queue: string;
  type: string;
  status: string;
  outcome?: string;
  duplicate: boolean;
}

/** A queue that keeps no finished job (every success and cancel is deleted at once). */
function setup(): { queue: Queue; cli: CliOptions } {
  const name = uniqueQueue('key');
  const queue = new Queue(name, { connection: redis.url, retention: { finishedCount: 0 } });
  closers.push(() => queue.close());
  return { queue, cli: { redis: redis.url, queue: name } };
}

function startWorker(queue: Queue): Worker {
  const worker = new Worker(queue.name, {
    connection: redis.url,
    retention: { finishedCount: 0 },
    handlers: {
      echo: (payload: unknown) => payload,
      fail: () => {
        throw new Error('nope');
      },
    },
  });
  closers.push(() => worker.close(100));
  void worker.start();
  return worker;
}

/** Every key of the queue with its value: a duplicate must change nothing. */
async function snapshot(queue: Queue): Promise<Record<string, string>> {
  const keys = (await admin.keys(`${queue.handle.keys.base}*`)).sort();
  const out: Record<string, string> = {};
  for (const key of keys) out[key] = JSON.stringify(await admin.dump(key));
  return out;
}

async function enqueueWithKey(cli: CliOptions, key: string, extra: string[] = []): Promise<string> {
  const first = await runCli(['enqueue', 'echo', '--key', key, '--data', '{"n":1}', ...extra], cli);
  expect(first.code, first.stderr).toBe(0);
  return first.stdout.trim();
}

describe('jobs enqueue --key for a job already removed', () => {
  it('succeeded and removed by retention: status "removed", outcome "success"; --wait exits 0', async () => {
    const { queue, cli } = setup();
    const id = await enqueueWithKey(cli, 'order-1');
    const worker = startWorker(queue);
    await until(async () => (await queue.getJob(id)) === null, 10_000, 'the job to succeed and be deleted');
    await worker.close(100); // its heartbeats would change the snapshot
    const before = await snapshot(queue);

    const again = await runJson<EnqueueJson>(['enqueue', 'echo', '--key', 'order-1'], cli);
    expect(again.code).toBe(0);
    expect(again.json).toEqual({ id, queue: queue.name, type: 'echo', status: 'removed', outcome: 'success', duplicate: true });
    expect(again.stderr).toMatch(new RegExp(`job ${id} .*succeeded and was removed`));
    const waited = await runCli(['enqueue', 'echo', '--key', 'order-1', '--wait'], cli);
    expect(waited.code).toBe(0);
    expect(waited.stdout).toContain(id);
    const waitedJson = await runJson<EnqueueJson>(['enqueue', 'echo', '--key', 'order-1', '--wait'], cli);
    expect(waitedJson.code).toBe(0);
    expect(waitedJson.json).toMatchObject({ id, status: 'removed', outcome: 'success' });
    expect(await snapshot(queue)).toEqual(before);
  });

  it('failed and purged from the dead-letter queue: outcome "failed"; --wait exits 1', async () => {
    const { queue, cli } = setup();
    const first = await runCli(['enqueue', 'fail', '--key', 'order-2', '--max-attempts', '1'], cli);
    const id = first.stdout.trim();
    startWorker(queue);
    await until(async () => (await queue.counts()).failed === 1, 10_000, 'dead-lettered');
    expect((await runCli(['dlq', 'purge', '--all', '--yes'], cli)).code).toBe(0);
    expect(await queue.getJob(id)).toBeNull();

    const again = await runJson<EnqueueJson>(['enqueue', 'fail', '--key', 'order-2'], cli);
    expect(again.json).toMatchObject({ id, status: 'removed', outcome: 'failed', duplicate: true });
    const waited = await runCli(['enqueue', 'fail', '--key', 'order-2', '--wait'], cli);
    expect(waited.code).toBe(1);
    expect(waited.stdout + waited.stderr).toMatch(/failed and was removed/);
    expect(await queue.counts()).toMatchObject({ pending: 0, failed: 0 });
  });

  it('cancelled and removed by retention: outcome "cancelled"; --wait exits 1', async () => {
    const { queue, cli } = setup();
    const id = await enqueueWithKey(cli, 'order-3', ['--delay', '1h']);
    expect(await queue.cancel(id)).toBe('cancelled');
    expect(await queue.getJob(id)).toBeNull(); // finishedCount 0: deleted at once

    const again = await runJson<EnqueueJson>(['enqueue', 'echo', '--key', 'order-3'], cli);
    expect(again.json).toMatchObject({ id, status: 'removed', outcome: 'cancelled', duplicate: true });
    expect((await runCli(['enqueue', 'echo', '--key', 'order-3', '--wait'], cli)).code).toBe(1);
    expect(await queue.counts()).toMatchObject({ pending: 0, scheduled: 0, cancelled: 0 });
  });

  it('--wait on a job that succeeds and is removed while waited for exits 0', async () => {
    const { queue, cli } = setup();
    const waiting = startCli(['enqueue', 'echo', '--key', 'order-4', '--wait', '--wait-timeout', '30s'], cli);
    await until(async () => (await queue.counts()).pending === 1, 10_000, 'the job enqueued');
    startWorker(queue);
    const result = await waiting.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(await admin.get(`${queue.handle.keys.base}idem:order-4`)).toBe(result.stdout.split('\n')[0]);
    expect(await queue.getJob(result.stdout.split('\n')[0] ?? '')).toBeNull();
  });
});

describe('Queue.findByIdempotencyKey', () => {
  it('the job while it exists, how it ended once removed, null for an unknown key', async () => {
    const { queue } = setup();
    const { id } = await queue.enqueue('echo', {}, { idempotencyKey: 'k' });
    expect(await queue.findByIdempotencyKey('k')).toMatchObject({ id, job: { id, status: 'pending' }, removedAs: null });
    startWorker(queue);
    await until(async () => (await queue.getJob(id)) === null, 10_000, 'deleted');
    expect(await queue.findByIdempotencyKey('k')).toEqual({ id, job: null, removedAs: 'success' });
    expect(await queue.findByIdempotencyKey('never-seen')).toBeNull();
  });
});
