// Pages of `list()` and `jobs list` are exact: cancelled jobs left in the ready list neither
// empty nor shorten a page, and each state lists exactly the jobs `counts()` counts in it.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListState, Queue, QueueCounts } from '../../src/index.js';
import type { JobJson } from '../../src/cli/output.js';
import { runCli, runJson } from '../cli/run-cli.js';
import { queueFactory, useRedisServer } from '../helpers/fixtures.js';

const redis = useRedisServer();
const { open } = queueFactory(redis);
let admin: Redis;
beforeAll(() => {
  admin = new Redis(redis.url);
});
afterAll(async () => {
  await admin.quit();
});

const STATES: ListState[] = ['pending', 'scheduled', 'running', 'retrying', 'success', 'failed', 'cancelled'];

/** Every job of a state, read page by page. */
async function allPages(queue: Queue, state: ListState, limit: number, type?: string): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += limit) {
    const page = await queue.list(state, { offset, limit, ...(type === undefined ? {} : { type }) });
    expect(page.length).toBeLessThanOrEqual(limit);
    ids.push(...page.map((job) => job.id));
    if (page.length < limit) return ids;
  }
}

/** 50 jobs cancelled while in the ready list, then 10 live ones. */
async function staleThenLive(queue: Queue): Promise<string[]> {
  const stale = await queue.enqueueMany(Array.from({ length: 50 }, () => ({ type: 'old' })));
  for (const { id } of stale) expect(await queue.cancel(id)).toBe('cancelled');
  const live = await queue.enqueueMany(Array.from({ length: 10 }, (_, n) => ({ type: n % 2 === 0 ? 'even' : 'odd', payload: { n } })));
  return live.map((r) => r.id);
}

describe('pending pages are exact', () => {
  it('skips cancelled entries left in the ready list: full pages, in order, none twice', async () => {
    const queue = open();
    const live = await staleThenLive(queue);
    expect(await admin.llen(queue.handle.keys.ready)).toBe(60); // the cancelled entries are still there
    expect((await queue.counts()).pending).toBe(10);

    expect((await queue.list('pending', { limit: 5 })).map((j) => j.id)).toEqual(live.slice(0, 5));
    expect((await queue.list('pending', { offset: 5, limit: 5 })).map((j) => j.id)).toEqual(live.slice(5));
    expect(await queue.list('pending', { offset: 10, limit: 5 })).toEqual([]);
    for (const limit of [1, 3, 7, 10, 50]) expect(await allPages(queue, 'pending', limit)).toEqual(live);
    expect(await allPages(queue, 'pending', 2, 'odd')).toEqual(live.filter((_, i) => i % 2 === 1));
  });

  it('`jobs list --state pending` pages the same way', async () => {
    const queue = open();
    const live = await staleThenLive(queue);
    const cli = { redis: redis.url, queue: queue.name };
    const first = await runJson<JobJson[]>(['list', '--state', 'pending', '--limit', '4'], cli);
    expect(first.code).toBe(0);
    expect(first.json.map((j) => j.id)).toEqual(live.slice(0, 4));
    const second = await runJson<JobJson[]>(['list', '--state', 'pending', '--limit', '4', '--offset', '8'], cli);
    expect(second.json.map((j) => j.id)).toEqual(live.slice(8));
  });

  it('stale entries between live ones, and a priority job first', async () => {
    const queue = open();
    const ids = (await queue.enqueueMany(Array.from({ length: 30 }, () => ({ type: 't' })))).map((r) => r.id);
    const cancelled = new Set(ids.filter((_, i) => i % 3 !== 0));
    for (const id of cancelled) await queue.cancel(id);
    const { id: urgent } = await queue.enqueue('t', {}, { priority: 5 });
    const expected = [urgent, ...ids.filter((id) => !cancelled.has(id))];
    expect((await queue.counts()).pending).toBe(expected.length);
    for (const limit of [1, 4, 11]) expect(await allPages(queue, 'pending', limit)).toEqual(expected);
  });
});

describe('one vocabulary: list and counts agree on every state', () => {
  it('a delayed job is scheduled, not pending, in list() as in counts()', async () => {
    const queue = open();
    const { id: now } = await queue.enqueue('t');
    const { id: later } = await queue.enqueue('t', {}, { delay: 3_600_000 });
    const { id: gone } = await queue.enqueue('t');
    await queue.cancel(gone);
    const counts: QueueCounts = await queue.counts();
    expect(counts).toMatchObject({ pending: 1, scheduled: 1, cancelled: 1 });
    expect((await queue.list('pending')).map((j) => j.id)).toEqual([now]);
    expect((await queue.list('scheduled')).map((j) => j.id)).toEqual([later]);
    for (const state of STATES) {
      expect((await allPages(queue, state, 2)).length, state).toBe(counts[state]);
    }
  });

  it('`jobs list` shows pending, scheduled and running jobs, a delayed one as scheduled', async () => {
    const queue = open();
    const { id: now } = await queue.enqueue('t');
    const { id: later } = await queue.enqueue('t', {}, { delay: 3_600_000 });
    const cli = { redis: redis.url, queue: queue.name };
    expect((await runJson<JobJson[]>(['list', '--state', 'pending'], cli)).json.map((j) => j.id)).toEqual([now]);
    expect((await runJson<JobJson[]>(['list', '--state', 'scheduled'], cli)).json.map((j) => j.id)).toEqual([later]);
    const table = await runJson<JobJson[]>(['list'], cli);
    expect(table.json.map((j) => j.id)).toEqual([now, later]);
    const text = await runCli(['list'], cli);
    // piped, the table is tab-separated: id, type, status, ...
    const row = text.stdout.split('\n').map((line) => line.split('\t')).find((cells) => cells[0] === later);
    expect(row?.[2]).toBe('scheduled');
  });
});

describe('cost grows with what a page reads, not with the queue', () => {
  /** Calls of a command since the last reset, from INFO commandstats. */
  async function calls(command: string): Promise<number> {
    const info = await admin.info('commandstats');
    return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
  }

  it('without cancelled entries, a deep page reads only its own jobs', async () => {
    const queue = open();
    const ids = (await queue.enqueueMany(Array.from({ length: 5000 }, () => ({ type: 't' })))).map((r) => r.id);
    await admin.config('RESETSTAT');
    const page = await queue.list('pending', { offset: 4000, limit: 20 });
    expect(page.map((j) => j.id)).toEqual(ids.slice(4000, 4020));
    // job hashes read: the page's, not the 4000 skipped
    expect((await calls('hmget')) + (await calls('hgetall'))).toBeLessThanOrEqual(60);
  });

  it('with cancelled entries, reads in bounded chunks and stops once the page is full', async () => {
    const queue = open();
    const ids = (await queue.enqueueMany(Array.from({ length: 5000 }, () => ({ type: 't' })))).map((r) => r.id);
    for (const id of ids.slice(0, 10)) await queue.cancel(id);
    await admin.config('RESETSTAT');
    const page = await queue.list('pending', { limit: 20 });
    expect(page.map((j) => j.id)).toEqual(ids.slice(10, 30));
    expect(await calls('hmget')).toBeLessThanOrEqual(500); // at most one chunk of states, not 5000
    // chunks of the ready list, plus one read of each listed job's attempt history
    expect(await calls('lrange')).toBeLessThanOrEqual(3 + page.length);
  });
});
