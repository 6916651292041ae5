// Scenario 6, through the library: bad input throws ValidationError (or the not-found error)
// before any write, compared on a full Redis key/value snapshot; odd-but-valid payloads
// round-trip as data without touching Object.prototype.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobNotFoundError, ValidationError, type EnqueueOptions, type JobSpec, type Queue } from '../../src/index.js';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';
import { takeSnapshot } from './support/snapshot.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);
let admin: Redis;
beforeAll(() => {
  admin = new Redis(redis.url);
});
afterAll(() => admin.disconnect());

/** A queue with a few jobs in it, so "nothing written" is checked against real data. */
async function seededQueue(options: Parameters<typeof open>[1] = {}): Promise<Queue> {
  const queue = open(undefined, options);
  await queue.enqueueMany([{ type: 'echo', payload: { n: 1 } }, { type: 'echo', payload: { n: 2 } }]);
  return queue;
}

async function expectNothingWritten(action: () => Promise<unknown>, error: new (...args: never[]) => Error, message: RegExp): Promise<void> {
  const before = await takeSnapshot(admin);
  await expect(action()).rejects.toSatisfy((thrown: unknown) => thrown instanceof error && message.test((thrown as Error).message));
  expect(await takeSnapshot(admin)).toEqual(before);
}

const circular: Record<string, unknown> = { name: 'loop' };
circular.self = circular;

const BAD_OPTIONS: [string, EnqueueOptions][] = [
  ['negative delay', { delay: -1 }],
  ['fractional delay', { delay: 1.5 }],
  ['NaN delay', { delay: Number.NaN }],
  ['delay and runAt together', { delay: 10, runAt: Date.now() + 10 }],
  ['invalid runAt date', { runAt: new Date('not a date') }],
  ['priority 1001', { priority: 1001 }],
  ['maxAttempts 0', { maxAttempts: 0 }],
  ['backoff cap below base', { backoff: { baseMs: 1000, capMs: 10 } }],
  ['timeout 0', { timeout: 0 }],
  ['empty idempotency key', { idempotencyKey: '' }],
  ['idempotency key over 256 characters', { idempotencyKey: 'k'.repeat(257) }],
];

describe('scenario 6: hostile input through the library', () => {
  it('refuses a 20 MB payload before any write', async () => {
    const queue = await seededQueue();
    await expectNothingWritten(() => queue.enqueue('echo', { blob: 'x'.repeat(20_000_000) }), ValidationError, /over the 1048576-byte limit/);
  });

  it('takes its payload limit from maxPayloadBytes', async () => {
    const queue = await seededQueue({ maxPayloadBytes: 1000 });
    await expectNothingWritten(() => queue.enqueue('echo', { blob: 'x'.repeat(2000) }), ValidationError, /over the 1000-byte limit/);
    expect((await queue.enqueue('echo', { blob: 'x'.repeat(500) })).id).toBeTruthy();
  });

  it('refuses payloads that are not JSON: circular, BigInt, nesting 100,000 deep', async () => {
    const queue = await seededQueue();
    let deep: unknown[] = [];
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    for (const payload of [circular, { big: 10n }, deep]) {
      await expectNothingWritten(() => queue.enqueue('echo', payload), ValidationError, /not JSON-serialisable/);
    }
  });

  it.each(BAD_OPTIONS)('refuses %s', async (_what, options) => {
    const queue = await seededQueue();
    await expectNothingWritten(() => queue.enqueue('echo', {}, options), ValidationError, /./);
  });

  it.each(['', 'with space', '{tag}', 'x'.repeat(201)])('refuses job type %j', async (type) => {
    const queue = await seededQueue();
    await expectNothingWritten(() => queue.enqueue(type), ValidationError, /job type must be/);
  });

  it('writes none of a 100-job batch when one job is bad', async () => {
    const queue = await seededQueue();
    const specs: JobSpec[] = Array.from({ length: 100 }, (_, n) => ({ type: 'echo', payload: { n } }));
    specs[73] = { type: 'echo', payload: { n: 73 }, options: { priority: -1 } };
    await expectNothingWritten(() => queue.enqueueMany(specs), ValidationError, /priority/);
  });

  it('treats ids with glob characters as literal ids that match no other job', async () => {
    const queue = await seededQueue();
    for (const id of ['*', '?', '[12]', '1*', '\\*']) {
      expect(await queue.getJob(id)).toBeNull();
      expect(await queue.getJobs([id])).toEqual([]);
      await expectNothingWritten(() => queue.cancel(id), JobNotFoundError, /not found/);
      await expectNothingWritten(() => queue.deadLetters.retry([id]), JobNotFoundError, /not found/);
    }
  });

  it('refuses a bad cron expression or zone and stores no schedule', async () => {
    const queue = await seededQueue();
    for (const spec of [{ cron: '61 * * * *' }, { cron: '* * *' }, { cron: 'every day' }, { cron: '@hourly', timezone: 'Mars/Olympus' }]) {
      await expectNothingWritten(() => queue.schedules.add('bad', { type: 'echo', ...spec }), ValidationError, /./);
    }
  });

  it('keeps __proto__ and constructor keys as data: Object.prototype unchanged, handler sees own keys', async () => {
    const queue = open();
    const payload: unknown = JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"text":"nul\\u0000 é 🎉"}');
    const { id } = await queue.enqueue('echo', payload);
    const seen: unknown[] = [];
    const worker = work(queue, { handlers: { echo: (p) => (seen.push(p), p) } });
    await worker.start();
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('success');
    expect(JSON.stringify(job.payload)).toBe(JSON.stringify(payload));
    expect(JSON.stringify(job.result)).toBe(JSON.stringify(payload));
    const received = seen[0] as Record<string, unknown>;
    expect(Object.keys(received)).toEqual(['__proto__', 'constructor', 'text']);
    expect(Object.getPrototypeOf(received)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('hands back a job of a type no handler knows, with a clear error and no attempt burnt, while others run', async () => {
    const queue = open();
    const { id } = await queue.enqueue('no-such-type', {}, { maxAttempts: 2, backoff: { baseMs: 10, capMs: 10 } });
    const { id: fine } = await queue.enqueue('echo', { ok: true });
    const worker = work(queue, { handlers: { echo: (p) => p } });
    await worker.start();
    expect((await queue.waitFor(fine, { timeoutMs: 5000 })).status).toBe('success');
    await until(async () => (await queue.requireJob(id)).error !== null, 5000, 'unknown type handed back');
    const job = await queue.requireJob(id);
    expect(job).toMatchObject({ status: 'pending', attempts: 0 });
    expect(job.error).toContain('no handler for job type "no-such-type"');
    expect(await queue.counts()).toMatchObject({ scheduled: 1, failed: 0, success: 1 });
  });
});
