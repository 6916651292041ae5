import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueBusyError, QueueNotFoundError, QueueRegistry, Worker } from '../../src/index.js';
import { uniqueQueue, useClosers, useRedisServer } from '../helpers/fixtures.js';
import { takeSnapshot } from '../reliability/support/snapshot.js';
import { runCli, runJson, type CliOptions } from './run-cli.js';

const redis = useRedisServer();
const closers = useClosers();
let admin: Redis;
beforeAll(() => {
  admin = new Redis(redis.url);
});
afterAll(() => admin.disconnect());

/** A prefix of its own, so `jobs queues` and `jobs stats` list exactly this test's queues. */
function setup(): { prefix: string; cli: CliOptions; open: (name: string) => Queue } {
  const prefix = uniqueQueue('qadmin');
  return {
    prefix,
    cli: { redis: redis.url, prefix },
    open: (name) => {
      const queue = new Queue(name, { connection: redis.url, prefix });
      closers.push(() => queue.close());
      return queue;
    },
  };
}

async function keysOf(prefix: string, queue: string): Promise<string[]> {
  return admin.keys(`${prefix}:{${queue}}:*`);
}

describe('jobs queue pause|resume', () => {
  it('refuses an unknown queue with exit 3 and writes nothing; --create sets it up', async () => {
    const { prefix, cli } = setup();
    const before = await takeSnapshot(admin);
    for (const verb of ['pause', 'resume']) {
      const refused = await runCli(['queue', verb, 'nosuchqueue'], cli);
      expect(refused.code).toBe(3);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/queue "nosuchqueue" not found under prefix .*; pass --create/);
    }
    expect(await takeSnapshot(admin)).toEqual(before);
    expect((await runJson<unknown[]>(['queues'], cli)).json).toEqual([]);

    const created = await runJson<unknown>(['queue', 'pause', 'fresh', '--create'], cli);
    expect(created).toMatchObject({ code: 0, json: { name: 'fresh', paused: true } });
    expect((await runJson<{ name: string; paused: boolean }[]>(['queues'], cli)).json).toMatchObject([{ name: 'fresh', paused: true }]);
    // a known queue needs no --create
    expect((await runCli(['queue', 'resume', 'fresh'], cli)).code).toBe(0);
    expect(prefix).toBeTruthy();
  });
});

describe('jobs queue delete', () => {
  it('refuses while jobs wait or run, or without --yes off a terminal; nothing is deleted', async () => {
    const { prefix, cli, open } = setup();
    const queue = open('busy');
    await queue.enqueue('x');
    const before = await takeSnapshot(admin);
    const busy = await runCli(['queue', 'delete', 'busy', '--yes'], cli);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/queue "busy" has 1 job pending, scheduled or retrying; pass --force/);
    const unconfirmed = await runCli(['queue', 'delete', 'busy', '--force'], cli);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/not a terminal; pass --yes/);
    const unknown = await runCli(['queue', 'delete', 'nosuch', '--yes'], cli);
    expect(unknown.code).toBe(3);
    expect(await takeSnapshot(admin)).toEqual(before);
    expect((await keysOf(prefix, 'busy')).length).toBeGreaterThan(0);
  });

  it('deletes every key of the queue in bounded steps and forgets its name; other queues stay', async () => {
    const { prefix, cli, open } = setup();
    const doomed = open('doomed');
    const kept = open('kept');
    await kept.enqueue('x');
    // more keys than one SCAN/UNLINK step: 700 finished jobs, a schedule, events, idempotency keys
    await doomed.events.enable();
    await doomed.enqueueMany(Array.from({ length: 700 }, (_, i) => ({ type: 'ok', payload: { i }, options: { idempotencyKey: `k${i}` } })));
    await doomed.schedules.add('nightly', { cron: '0 3 * * *', type: 'ok' });
    const worker = new Worker('doomed', { connection: redis.url, prefix, concurrency: 8, exitWhenDrained: true, schedules: false, handlers: { ok: () => 'done' } });
    await worker.start();
    await worker.done;
    expect((await doomed.counts()).success).toBe(700);
    expect((await keysOf(prefix, 'doomed')).length).toBeGreaterThan(1000);

    const { code, json } = await runJson<{ name: string; deleted: boolean; keys: number }>(['queue', 'delete', 'doomed', '--yes'], cli);
    expect(code).toBe(0);
    expect(json.name).toBe('doomed');
    expect(json.keys).toBeGreaterThan(1000);
    expect(await keysOf(prefix, 'doomed')).toEqual([]);
    expect(await admin.smembers(`${prefix}:queues`)).toEqual(['kept']);
    // listings forget it
    expect((await runJson<{ name: string }[]>(['queues'], cli)).json.map((q) => q.name)).toEqual(['kept']);
    const stats = await runJson<{ queues: { name: string }[] }>(['stats'], cli);
    expect(stats.json.queues.map((q) => q.name)).toEqual(['kept']);
    const top = await runJson<{ queues: { name: string }[] }>(['top'], cli);
    expect(top.json.queues.map((q) => q.name)).toEqual(['kept']);
    expect(await kept.counts()).toMatchObject({ pending: 1 });
  });

  it('refuses while a worker is attached; --force deletes anyway (the library does the same)', async () => {
    const { prefix, cli, open } = setup();
    open('watched');
    const worker = new Worker('watched', { connection: redis.url, prefix, handlers: {} });
    closers.push(() => worker.close(200));
    await worker.start();
    const refused = await runCli(['queue', 'delete', 'watched', '--yes'], cli);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/1 live worker/);
    const registry = new QueueRegistry({ connection: redis.url, prefix });
    closers.push(() => registry.close());
    await expect(registry.delete('watched')).rejects.toBeInstanceOf(QueueBusyError);
    await expect(registry.delete('never-seen')).rejects.toBeInstanceOf(QueueNotFoundError);
    expect(await registry.names()).toEqual(['watched']);
    // the worker's set and entry are the queue's keys
    expect(await registry.delete('watched', { force: true })).toBe(2);
    expect(await registry.names()).toEqual([]);
    expect(await keysOf(prefix, 'watched')).toEqual([]);
  });
});
