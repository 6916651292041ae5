import { describe, expect, it } from 'vitest';
import type { JobJson } from '../../src/cli/output.js';
import { Queue, Worker, type QueueCounts } from '../../src/index.js';
import { uniqueQueue, until, useClosers, useRedisServer } from '../helpers/fixtures.js';
import { ndjson, runCli, runJson, startCli, type CliOptions } from './run-cli.js';

const redis = useRedisServer();
const closers = useClosers();

type Counts = Omit<QueueCounts, 'paused'>;
interface QueueJson {
  name: string;
  paused: boolean;
  counts: Counts;
}
interface StatsJson {
  time: string;
  queues: (QueueJson & { throughput: { succeeded: number; failed: number; windowMs: number; jobsPerSecond: number } })[];
}

/** A queue under its own prefix, so `jobs queues` and `jobs stats` see only this test's queues. */
function open(name = uniqueQueue('insp'), prefix = uniqueQueue('prefix')): { queue: Queue; cli: CliOptions } {
  const queue = new Queue(name, { connection: redis.url, prefix });
  closers.push(() => queue.close());
  return { queue, cli: { redis: redis.url, queue: name, prefix } };
}

/** Runs every due job of the queue once with the core Worker: `ok` succeeds, anything else fails. */
async function runAll(queue: Queue): Promise<void> {
  const worker = new Worker(queue.name, {
    connection: redis.url,
    prefix: queue.handle.prefix,
    concurrency: 4,
    exitWhenDrained: true,
    handlers: {
      ok: () => 'fine',
      boom: () => {
        throw new Error('boom failed');
      },
      bang: () => {
        throw new Error('bang failed');
      },
    },
  });
  await worker.start();
  await worker.done;
}

async function deadLetter(queue: Queue, type: 'boom' | 'bang', count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await queue.enqueue(type, { i }, { maxAttempts: 1 })).id);
  await runAll(queue);
  return ids;
}

describe('jobs queues, jobs stats, jobs queue pause|resume', () => {
  it('lists every queue of the prefix with its counts', async () => {
    const { queue, cli } = open();
    const other = new Queue(`${queue.name}-b`, { connection: redis.url, prefix: cli.prefix ?? '' });
    closers.push(() => other.close());
    await queue.enqueue('ok', {});
    await queue.enqueue('ok', {}, { delay: 3_600_000 });
    await other.enqueue('ok', {});
    const { code, json } = await runJson<QueueJson[]>(['queues'], cli);
    expect(code).toBe(0);
    expect(json).toEqual([
      { name: queue.name, paused: false, counts: { pending: 1, scheduled: 1, running: 0, retrying: 0, success: 0, failed: 0, cancelled: 0 } },
      { name: other.name, paused: false, counts: { pending: 1, scheduled: 0, running: 0, retrying: 0, success: 0, failed: 0, cancelled: 0 } },
    ]);
    const table = await runCli(['queues'], cli);
    expect(table.stdout).toContain(queue.name);
    const empty = await runCli(['queues'], { ...cli, prefix: 'nothing-here' });
    expect(empty.stdout).toMatch(/no queues under prefix "nothing-here"/);
  });

  it('stats shows counts and jobs/s over the last minute', async () => {
    const { queue, cli } = open();
    for (let i = 0; i < 6; i += 1) await queue.enqueue('ok', {});
    await queue.enqueue('boom', {}, { maxAttempts: 1 });
    await runAll(queue);
    const { code, json } = await runJson<StatsJson>(['stats'], cli);
    expect(code).toBe(0);
    expect(Date.parse(json.time)).not.toBeNaN();
    expect(json.queues).toHaveLength(1);
    expect(json.queues[0]).toMatchObject({
      name: queue.name,
      counts: { success: 6, failed: 1, pending: 0 },
      throughput: { succeeded: 6, failed: 1, windowMs: 60_000, jobsPerSecond: 0.12 },
    });
    const table = await runCli(['stats'], cli);
    expect(table.stdout).toMatch(/jobs\/s \(1m\)/);
  });

  it('stats --watch refreshes until SIGINT and exits 0', async () => {
    const { queue, cli } = open();
    await queue.enqueue('ok', {});
    const watcher = startCli(['stats', '--watch', '--interval', '150ms', '--json'], cli);
    await until(() => watcher.output.stdout.split('\n').length > 3, 10_000, 'three refreshes');
    watcher.kill('SIGINT');
    const result = await watcher.exited;
    expect(result.code).toBe(0);
    const snapshots = ndjson<StatsJson>(result.stdout);
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    expect(snapshots[0]?.queues[0]?.counts.pending).toBe(1);
  });

  it('pause and resume a queue', async () => {
    const { queue, cli } = open();
    await queue.enqueue('ok', {});
    expect((await runJson(['queue', 'pause', queue.name], cli)).json).toEqual({ name: queue.name, paused: true });
    expect((await queue.counts()).paused).toBe(true);
    expect((await runJson<QueueJson[]>(['queues'], cli)).json[0]?.paused).toBe(true);
    expect((await runJson(['queue', 'resume', queue.name], cli)).json).toEqual({ name: queue.name, paused: false });
    expect((await queue.counts()).paused).toBe(false);
    expect((await runCli(['queue', 'pause'], cli)).code).toBe(2);
  });
});

describe('jobs dlq', () => {
  it('list and show failed jobs; a job not in the dead-letter queue is not found (exit 3)', async () => {
    const { queue, cli } = open();
    const [boom] = await deadLetter(queue, 'boom', 2);
    await deadLetter(queue, 'bang', 1);
    const { id: pending } = await queue.enqueue('ok', {}, { delay: 3_600_000 });

    const all = await runJson<JobJson[]>(['dlq', 'list'], cli);
    expect(all.json.map((job) => job.type).sort()).toEqual(['bang', 'boom', 'boom']);
    const bangs = await runJson<JobJson[]>(['dlq', 'list', '--type', 'bang'], cli);
    expect(bangs.json).toHaveLength(1);
    expect(bangs.json[0]).toMatchObject({ status: 'failed', error: 'bang failed', attempts: 1 });

    const shown = await runJson<JobJson>(['dlq', 'show', boom ?? ''], cli);
    expect(shown.json).toMatchObject({ id: boom, status: 'failed', error: 'boom failed' });
    expect(shown.json.stack).toMatch(/boom failed/);
    for (const key of ['id', 'queue', 'type', 'status', 'payload', 'attempts', 'maxAttempts', 'createdAt', 'scheduledFor', 'startedAt', 'finishedAt', 'error', 'result']) {
      expect(shown.json).toHaveProperty(key);
    }

    const [notFailed, unknown] = await Promise.all([runCli(['dlq', 'show', pending], cli), runCli(['dlq', 'show', '999999'], cli)]);
    expect(notFailed.code).toBe(3);
    expect(notFailed.stderr).toMatch(/not in the dead-letter queue .*it is pending/);
    expect(unknown.code).toBe(3);
  });

  it('retry <ids> moves them back to pending with attempts reset; an unknown id retries nothing', async () => {
    const { queue, cli } = open();
    const [first, second, third] = await deadLetter(queue, 'boom', 3);
    const refused = await runCli(['dlq', 'retry', first ?? '', '424242'], cli);
    expect(refused.code).toBe(3);
    expect((await queue.requireJob(first ?? '')).status).toBe('failed');

    const { code, json } = await runJson(['dlq', 'retry', first ?? '', second ?? ''], cli);
    expect(code).toBe(0);
    expect(json).toEqual({ retried: 2, ids: [first, second] });
    expect(await queue.requireJob(first ?? '')).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await queue.requireJob(third ?? '')).status).toBe('failed');
  });

  it('retry --all needs --yes outside a terminal (exit 2, nothing touched), and honours --type', async () => {
    const { queue, cli } = open();
    await deadLetter(queue, 'boom', 2);
    await deadLetter(queue, 'bang', 1);
    const refused = await runCli(['dlq', 'retry', '--all'], cli);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Retry all 3 failed jobs .*pass --yes/);
    expect((await queue.counts()).failed).toBe(3);

    expect((await runCli(['dlq', 'retry', '--all', '1'], cli)).code).toBe(2);
    expect((await runCli(['dlq', 'retry'], cli)).code).toBe(2);

    const byType = await runJson(['dlq', 'retry', '--all', '--type', 'boom', '--yes'], cli);
    expect(byType.json).toEqual({ retried: 2 });
    expect(await queue.counts()).toMatchObject({ failed: 1, pending: 2 });
    const rest = await runJson(['dlq', 'retry', '--all', '-y'], cli);
    expect(rest.json).toEqual({ retried: 1 });
    expect(await queue.counts()).toMatchObject({ failed: 0, pending: 3 });
  });

  it('purge needs --yes outside a terminal (exit 2, nothing touched); --older-than keeps recent failures', async () => {
    const { queue, cli } = open();
    await deadLetter(queue, 'boom', 2);
    for (const args of [['--all'], ['--older-than', '1d'], []]) {
      const refused = await runCli(['dlq', 'purge', ...args], cli);
      expect(refused.code, args.join(' ')).toBe(2);
    }
    expect((await queue.counts()).failed).toBe(2);
    expect((await runJson(['dlq', 'purge', '--older-than', '1h', '--yes'], cli)).json).toEqual({ purged: 0 });
    expect((await queue.counts()).failed).toBe(2);
    expect((await runJson(['dlq', 'purge', '--all', '--yes'], cli)).json).toEqual({ purged: 2 });
    expect((await queue.counts()).failed).toBe(0);
  });
});

describe('jobs list, show, cancel, wait', () => {
  it('list, show, cancel a job, then wait on it', async () => {
    const { queue, cli } = open();
    const { id } = await queue.enqueue('ok', { n: 1 });
    const { id: delayed } = await queue.enqueue('ok', {}, { delay: 3_600_000 });

    const listed = await runJson<JobJson[]>(['list'], cli);
    expect(listed.json.map((job) => job.id)).toEqual([id, delayed]);
    const scheduled = await runJson<JobJson[]>(['ls', '--state', 'scheduled'], cli);
    expect(scheduled.json.map((job) => job.id)).toEqual([delayed]);
    expect((await runCli(['list', '--state', 'nope'], cli)).code).toBe(2);

    expect((await runJson<JobJson>(['show', id], cli)).json).toMatchObject({ id, status: 'pending', payload: { n: 1 } });
    const timedOut = await runCli(['wait', id, '--timeout', '200ms'], cli);
    expect(timedOut.code).toBe(5);

    expect((await runJson(['cancel', id], cli)).json).toEqual({ id, cancelled: true, requested: false });
    const waited = await runJson<JobJson>(['wait', id], cli);
    expect(waited.code).toBe(1);
    expect(waited.json.status).toBe('cancelled');
    const again = await runCli(['cancel', id], cli);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/cannot cancel job .* it is cancelled/);

    const [showUnknown, waitUnknown] = await Promise.all([runCli(['show', '987654'], cli), runCli(['wait', '987654'], cli)]);
    expect(showUnknown.code).toBe(3);
    expect(waitUnknown.code).toBe(3);
  });

  it('wait exits 0 when the job succeeds', async () => {
    const { queue, cli } = open();
    const { id } = await queue.enqueue('ok', {});
    await runAll(queue);
    const waited = await runJson<JobJson>(['wait', id], cli);
    expect(waited.code).toBe(0);
    expect(waited.json).toMatchObject({ status: 'success', result: 'fine' });
  });
  it('show lists every attempt with its outcome and error, in text and JSON', async () => {
    const { queue, cli } = open();
    const { id } = await queue.enqueue('boom', {}, { maxAttempts: 2, backoff: { baseMs: 1, capMs: 5 } });
    await runAll(queue);
    await until(async () => (await queue.requireJob(id)).status === 'failed', 10_000, 'job dead-lettered');
    const shown = await runJson<JobJson>(['show', id], cli);
    expect(shown.json.history.map((a) => [a.attempt, a.outcome, a.error])).toEqual([
      [1, 'retrying', 'boom failed'],
      [2, 'failed', 'boom failed'],
    ]);
    for (const attempt of shown.json.history) {
      expect(attempt.worker).toMatch(/:\d+:/);
      expect(Date.parse(attempt.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(attempt.startedAt ?? ''));
    }
    const text = await runCli(['show', id], cli);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^history$/m);
    expect(text.stdout).toMatch(/^ {2}#1 .* retrying {2}boom failed$/m);
    expect(text.stdout).toMatch(/^ {2}#2 .* failed {2}boom failed$/m);
  });
});
