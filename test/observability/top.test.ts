import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { sparkline } from '../../src/cli/top-view.js';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';
import { ROOT, runCli, runJson } from '../cli/run-cli.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);
// A private tmux server, so the test never touches the developer's sessions.
const SOCKET = `jobs-top-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', 'top');
}

function sessionAlive(): boolean {
  try {
    tmux('has-session', '-t', 'top');
    return true;
  } catch {
    return false;
  }
}

afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
});

/** The numbers of a queue's row: pending, scheduled, running, retrying, DLQ, success. */
function rowCounts(text: string, queue: string): number[] | undefined {
  const row = text.split('\n').find((line) => line.slice(2).startsWith(`${queue} `));
  const match = row && /^\S+\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(row.slice(2));
  return match ? match.slice(1, 7).map(Number) : undefined;
}

/** A prefix of its own, so `jobs top` lists exactly this test's queues. */
let seeded = 0;
async function seedQueues(): Promise<{ prefix: string; busy: string; idle: string }> {
  seeded += 1;
  const prefix = `top${process.pid}x${seeded}`;
  const busy = open('busy', { prefix });
  const idle = open('idle', { prefix });
  await busy.enqueueMany([{ type: 'ok' }, { type: 'ok' }, { type: 'broken', options: { maxAttempts: 1 } }]);
  const worker = work(busy, { prefix, handlers: { ok: () => 'done', broken: () => Promise.reject(new Error('no')), hold: () => new Promise(() => {}) } });
  await worker.start();
  await until(async () => (await busy.counts()).success === 2 && (await busy.counts()).failed === 1, 5000, 'seed work done');
  await busy.enqueue('hold');
  await until(async () => (await busy.counts()).running === 1, 5000, 'one running');
  await idle.enqueueMany([{ type: 'x' }, { type: 'x' }, { type: 'x' }, { type: 'y', options: { delay: 600_000 } }]);
  return { prefix, busy: busy.name, idle: idle.name };
}

describe('jobs top', () => {
  it('renders counts, workers and running jobs in a terminal; tab moves between queues; q quits', async () => {
    const { prefix, busy, idle } = await seedQueues();
    const command = `cd ${ROOT} && env NO_COLOR=1 REDIS_URL=${redis.url} JOBS_PREFIX=${prefix} ${process.execPath} bin/jobs.js top --queue ${busy}`;
    tmux('new-session', '-d', '-s', 'top', '-x', '120', '-y', '40', command);
    await until(() => rowCounts(screen(), idle) !== undefined, 10_000, 'the queue table');
    const first = screen();
    // pending, scheduled, running, retrying, DLQ, success
    expect(rowCounts(first, busy)).toEqual([0, 0, 1, 0, 1, 2]);
    expect(rowCounts(first, idle)).toEqual([3, 1, 0, 0, 0, 0]);
    expect(first).toMatch(new RegExp(`› ${busy}`));
    expect(first).toMatch(/1 job in the dead-letter queue/);
    expect(first).toMatch(/WORKERS \(1 live\)/);
    expect(first).toMatch(/RUNNING \(busy\)[\s\S]*hold/);

    tmux('send-keys', '-t', 'top', 'Tab');
    await until(() => /› idle/.test(screen()) && /RUNNING \(idle\)/.test(screen()), 5000, 'the second queue chosen');

    tmux('send-keys', '-t', 'top', 'q');
    await until(() => !sessionAlive(), 5000, 'top to quit on q');
  });

  it('prints one plain snapshot when stdout is not a terminal, and JSON with --json', async () => {
    const { prefix, busy, idle } = await seedQueues();
    const cli = { redis: redis.url, prefix };
    const plain = await runCli(['top'], cli);
    expect(plain.code).toBe(0);
    // not a terminal: tab-separated rows
    expect(plain.stdout).toMatch(new RegExp(`^${idle}\t3\t1\t0\t`, 'm'));
    expect(plain.stdout).toMatch(/1 live worker/);
    const { json } = await runJson<{ queues: { name: string; dlq: number; counts: { success: number } }[]; workers: unknown[] }>(['top'], cli);
    expect(json.queues.find((q) => q.name === busy)).toMatchObject({ dlq: 1, counts: { success: 2 } });
    expect(json.workers).toHaveLength(1);
  });

  it('draws a sparkline scaled to its maximum', () => {
    expect(sparkline([0, 1, 2, 4, 8], 5)).toBe('·▁▂▄█');
    expect(sparkline([0, 0, 0], 2)).toBe('··');
  });
});
