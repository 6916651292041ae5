import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidStateError, JobNotFoundError, Queue, Worker } from '../../src/index.js';
import { uniqueQueue, until, useClosers, useRedisServer } from '../helpers/fixtures.js';
import { takeSnapshot } from '../reliability/support/snapshot.js';
import { runCli, runJson, type CliOptions } from './run-cli.js';

const redis = useRedisServer();
const closers = useClosers();
let admin: Redis;
beforeAll(() => {
  admin = new Redis(redis.url);
});
afterAll(() => admin.disconnect());

function open(): { queue: Queue; cli: CliOptions } {
  const name = uniqueQueue('steer');
  const queue = new Queue(name, { connection: redis.url });
  closers.push(() => queue.close());
  return { queue, cli: { redis: redis.url, queue: name } };
}

/** A worker whose `hold` jobs run until released, `ok` succeed and `boom` fail. */
function worker(queue: Queue): { worker: Worker; release: () => void } {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const w = new Worker(queue.name, {
    connection: redis.url,
    concurrency: 4,
    prefetch: 0,
    leaseMs: 2000,
    handlers: { hold: () => gate, ok: () => 'fine', boom: () => Promise.reject(new Error('boom')) },
  });
  closers.push(() => w.close(500));
  return { worker: w, release };
}

async function finishedJobs(queue: Queue): Promise<{ success: string; failed: string; cancelled: string }> {
  const [success, failed, cancelled] = await queue.enqueueMany([{ type: 'ok' }, { type: 'boom', options: { maxAttempts: 1 } }, { type: 'ok' }]).then((r) => r.map((x) => x.id));
  await queue.cancel(cancelled!);
  const { worker: w } = worker(queue);
  await w.start();
  await until(async () => (await queue.getJob(success!))?.status === 'success' && (await queue.getJob(failed!))?.status === 'failed', 10_000, 'jobs finished');
  await w.close(500);
  return { success: success!, failed: failed!, cancelled: cancelled! };
}

describe('jobs retry <id...>', () => {
  it('moves success, failed and cancelled jobs back to pending with attempts reset; they run again', async () => {
    const { queue, cli } = open();
    const ids = await finishedJobs(queue);
    // cancelled while waiting in the ready list: its entry stays there until a claim skips it
    const { id: inList } = await queue.enqueue('ok');
    await queue.cancel(inList);
    const all = [ids.success, ids.failed, ids.cancelled, inList];
    const { code, json } = await runJson<{ retried: number; ids: string[] }>(['retry', ...all], cli);
    expect(code).toBe(0);
    expect(json).toEqual({ retried: 4, ids: all });
    const jobs = await queue.getJobs(all);
    expect(jobs.map((j) => [j.status, j.attempts, j.error, j.finishedAt])).toEqual(all.map(() => ['pending', 0, null, null]));
    expect(await queue.counts()).toMatchObject({ pending: 4, success: 0, failed: 0, cancelled: 0 });
    // listed once although the ready list holds its old entry and its new one
    expect((await runCli(['list', '-q'], cli)).stdout.trim().split('\n').sort()).toEqual([...all].sort());
    // ... and it runs once
    const { worker: w } = worker(queue);
    await w.start();
    await until(async () => (await queue.counts()).pending === 0 && (await queue.counts()).running === 0, 10_000, 'all ran');
    await w.close(500);
    const after = await queue.getJobs(all);
    expect(after.map((j) => [j.status, j.attempts])).toEqual([
      ['success', 1],
      ['failed', 1],
      ['success', 1],
      ['success', 1],
    ]);
    expect(await queue.counts()).toMatchObject({ pending: 0, running: 0, success: 3, failed: 1 });
    expect(await admin.llen(queue.handle.keys.ready)).toBe(0);
    expect(Number((await admin.hget(queue.handle.keys.meta, 'stale')) ?? 0)).toBe(0);
  });

  it('checks every id first: a pending or running job exits 1, an unknown id exits 3, and nothing changes', async () => {
    const { queue, cli } = open();
    const ids = await finishedJobs(queue);
    const { id: pending } = await queue.enqueue('ok', {}, { delay: 600_000 });
    const before = await takeSnapshot(admin);
    const refused = await runCli(['retry', ids.success, pending], cli);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`jobs: cannot retry job ${pending}: it is pending\n`);
    const unknown = await runCli(['retry', ids.failed, '999999'], cli);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/job 999999 not found/);
    expect(await takeSnapshot(admin)).toEqual(before);
    // the library refuses in the same way
    await expect(queue.retry([ids.success, pending])).rejects.toBeInstanceOf(InvalidStateError);
    await expect(queue.retry(['999999'])).rejects.toBeInstanceOf(JobNotFoundError);
    expect(await takeSnapshot(admin)).toEqual(before);
  });
});

describe('jobs delete <id...>', () => {
  it('deletes pending (ready, delayed, priority), finished jobs and their keys; asks off a terminal for --yes', async () => {
    const { queue, cli } = open();
    const ids = await finishedJobs(queue);
    const [ready, delayed, urgent] = (await queue.enqueueMany([
      { type: 'ok', options: { idempotencyKey: 'once' } },
      { type: 'ok', options: { delay: 600_000 } },
      { type: 'ok', options: { priority: 5 } },
    ])).map((r) => r.id);
    const all = [ready!, delayed!, urgent!, ids.success, ids.failed, ids.cancelled];

    const before = await takeSnapshot(admin);
    const unconfirmed = await runCli(['delete', ...all], cli);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/not a terminal; pass --yes/);
    expect(await takeSnapshot(admin)).toEqual(before);

    const { code, json } = await runJson<{ deleted: number; ids: string[] }>(['delete', ...all, '--yes'], cli);
    expect(code).toBe(0);
    expect(json).toEqual({ deleted: 6, ids: all });
    expect(await queue.getJobs(all)).toEqual([]);
    expect(await queue.counts()).toMatchObject({ pending: 0, scheduled: 0, success: 0, failed: 0, cancelled: 0 });
    const base = queue.handle.keys.base;
    expect(await admin.exists(...all.flatMap((id) => [`${base}j:${id}`, `${base}p:${id}`]), `${base}idem:once`)).toBe(0);
    // the deleted job's entry left in the ready list is skipped by the claim
    const { id: later } = await queue.enqueue('ok');
    const { worker: w } = worker(queue);
    await w.start();
    await until(async () => (await queue.getJob(later))?.status === 'success', 10_000, 'the next job ran');
    expect(await queue.counts()).toMatchObject({ pending: 0, running: 0, success: 1 });
  });

  it('refuses a running job (exit 1, nothing deleted) unless --force, which drops its lease', async () => {
    const { queue, cli } = open();
    const { id: running } = await queue.enqueue('hold');
    const { id: other } = await queue.enqueue('ok', {}, { delay: 600_000 });
    const { worker: w, release } = worker(queue);
    await w.start();
    await until(async () => (await queue.getJob(running))?.status === 'running', 10_000, 'the job running');
    const refused = await runCli(['delete', other, running, '--yes'], cli);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot delete job \d+: it is running; cancel it, or pass --force/);
    expect((await queue.getJobs([other, running])).length).toBe(2);

    const forced = await runCli(['delete', running, '--force', '--yes'], cli);
    expect(forced.code).toBe(0);
    expect(await queue.getJob(running)).toBeNull();
    expect(await queue.counts()).toMatchObject({ running: 0 });
    // the worker's late outcome is refused by the fence and writes nothing back
    release();
    await w.close(2000);
    expect(await queue.getJob(running)).toBeNull();
    expect(await queue.counts()).toMatchObject({ running: 0, success: 0 });
  });
});

describe('jobs cancel with several ids', () => {
  it('cancels each; --json prints an object for one id and an array for several; all ids are checked first', async () => {
    const { queue, cli } = open();
    const [a, b, c] = (await queue.enqueueMany([{ type: 'ok' }, { type: 'ok', options: { delay: 600_000 } }, { type: 'ok' }])).map((r) => r.id);
    const one = await runJson<unknown>(['cancel', a!], cli);
    expect(one.json).toEqual({ id: a, cancelled: true, requested: false });
    const before = await takeSnapshot(admin);
    const refused = await runCli(['cancel', b!, a!], cli);
    expect(refused.code).toBe(1);
    const unknown = await runCli(['cancel', b!, '424242'], cli);
    expect(unknown.code).toBe(3);
    expect(await takeSnapshot(admin)).toEqual(before);
    const two = await runJson<unknown>(['cancel', b!, c!], cli);
    expect(two.code).toBe(0);
    expect(two.json).toEqual([
      { id: b, cancelled: true, requested: false },
      { id: c, cancelled: true, requested: false },
    ]);
    expect((await queue.getJobs([a!, b!, c!])).map((j) => j.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });
});
