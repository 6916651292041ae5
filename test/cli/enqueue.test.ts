import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue, Worker } from '../../src/index.js';
import type { JobJson } from '../../src/cli/output.js';
import { uniqueQueue, useClosers, useRedisServer } from '../helpers/fixtures.js';
import { runCli, runJson, type CliOptions } from './run-cli.js';

const redis = useRedisServer();
const dir = mkdtempSync(join(tmpdir(), 'jobs-cli-enqueue-'));
const closers = useClosers();

interface EnqueueJson {
  id: string;
  queue: string;
  type: string;
  status: string;
  duplicate: boolean;
}

/** A fresh queue, the CLI options that point at it, and a core handle to check its state. */
function setup(): { queue: Queue; cli: CliOptions } {
  const name = uniqueQueue('enq');
  const queue = new Queue(name, { connection: redis.url });
  closers.push(() => queue.close());
  return { queue, cli: { redis: redis.url, queue: name } };
}

function startWorker(queue: Queue): void {
  const worker = new Worker(queue.name, {
    connection: redis.url,
    handlers: {
      echo: (payload: unknown) => payload,
      fail: () => {
        throw new Error('nope');
      },
      slow: () => new Promise((resolve) => setTimeout(resolve, 5000)),
    },
    concurrency: 2,
  });
  closers.push(() => worker.close(100));
  void worker.start();
}

describe('jobs enqueue <type>', () => {
  it('prints the id, and with --json {id, queue, type, status, duplicate}', async () => {
    const { queue, cli } = setup();
    const plain = await runCli(['enqueue', 'echo', '--data', '{"to":"a@example.com"}'], cli);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^\d+\n$/);
    const job = await queue.requireJob(plain.stdout.trim());
    expect(job).toMatchObject({ type: 'echo', status: 'pending', payload: { to: 'a@example.com' } });

    const { code, json } = await runJson<EnqueueJson>(['enqueue', 'echo'], cli);
    expect(code).toBe(0);
    expect(json).toEqual({ id: expect.any(String), queue: queue.name, type: 'echo', status: 'pending', duplicate: false });
    expect((await queue.requireJob(json.id)).payload).toEqual({});
  });

  it('applies every option to the stored job', async () => {
    const { cli } = setup();
    const before = Date.now();
    const { json } = await runJson<EnqueueJson>(
      ['enqueue', 'echo', '--delay', '1h', '--priority', '7', '--max-attempts', '5', '--backoff', '2s:1m', '--timeout', '30s'],
      cli,
    );
    const shown = await runJson<JobJson>(['show', json.id], cli);
    expect(shown.json).toMatchObject({ priority: 7, maxAttempts: 5, timeoutMs: 30_000, status: 'pending' });
    expect(Date.parse(shown.json.scheduledFor ?? '')).toBeGreaterThanOrEqual(before + 3_600_000);

    const at = '2099-01-31T09:00:00.000Z';
    const later = await runJson<EnqueueJson>(['enqueue', 'echo', '--at', at], cli);
    expect((await runJson<JobJson>(['show', later.json.id], cli)).json.scheduledFor).toBe(at);
  });

  it('returns the first job for a repeated --key, marked duplicate, and writes nothing new', async () => {
    const { queue, cli } = setup();
    const first = await runJson<EnqueueJson>(['enqueue', 'echo', '--key', 'order-42', '--data', '{"n":1}'], cli);
    const again = await runJson<EnqueueJson>(['enqueue', 'echo', '--key', 'order-42', '--data', '{"n":2}'], cli);
    expect(again.code).toBe(0);
    expect(again.json).toMatchObject({ id: first.json.id, duplicate: true, status: 'pending' });
    expect(again.stderr).toMatch(/seen before/);
    expect((await queue.counts()).pending).toBe(1);
  });

  it('reads the payload from a file and from stdin', async () => {
    const { queue, cli } = setup();
    const file = join(dir, 'payload.json');
    writeFileSync(file, JSON.stringify({ from: 'file' }));
    const fromFile = await runCli(['enqueue', 'echo', '--payload', file], cli);
    expect((await queue.requireJob(fromFile.stdout.trim())).payload).toEqual({ from: 'file' });
    const fromStdin = await runCli(['enqueue', 'echo', '--payload', '-'], { ...cli, input: '{"from":"stdin"}' });
    expect((await queue.requireJob(fromStdin.stdout.trim())).payload).toEqual({ from: 'stdin' });
  });

  it('exits 2 with one line on stderr and writes nothing on bad input', async () => {
    const { queue, cli } = setup();
    const cases: [string[], RegExp][] = [
      [['--data', '{bad'], /--data is not valid JSON/],
      [['--payload', join(dir, 'missing.json')], /cannot read --payload file .*ENOENT/],
      [['--delay', 'soon'], /not a duration/],
      [['--at', 'tomorrow'], /not an ISO-8601 time/],
      [['--delay', '1s', '--at', '2099-01-01T00:00:00Z'], /either --delay or --at/],
      [['--priority', '5000'], /priority must be a whole number from 0 to 1000/],
      [['--max-attempts', '0'], /at least 1/],
      [['--backoff', '1m:1s'], /cap must not be below/],
      [['--data', '{}', '--payload', '-'], /either --payload or --data/],
      [['--bogus'], /unknown option '--bogus'/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(['enqueue', 'echo', ...args], cli)));
    for (const [i, [args, message]] of cases.entries()) {
      const result = results[i];
      expect(result?.code, args.join(' ')).toBe(2);
      if (!result) continue;
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stdout).toBe('');
    }
    const badType = await runCli(['enqueue', 'has space'], cli);
    expect(badType.code).toBe(2);
    expect(badType.stderr.trim().split('\n')).toHaveLength(1);
    expect(badType.stderr).not.toMatch(/\n\s+at /);
    expect(await queue.counts()).toMatchObject({ pending: 0, scheduled: 0 });
  });

  it('--wait exits 0 on success, 1 on failure, 5 on --wait-timeout', async () => {
    const { queue, cli } = setup();
    startWorker(queue);
    const ok = await runJson<JobJson>(['enqueue', 'echo', '--data', '{"v":3}', '--wait'], cli);
    expect(ok.code).toBe(0);
    expect(ok.json).toMatchObject({ type: 'echo', status: 'success', result: { v: 3 }, attempts: 1 });

    const failed = await runCli(['enqueue', 'fail', '--max-attempts', '1', '--wait'], cli);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/failed: nope/);

    const slow = await runCli(['enqueue', 'slow', '--wait', '--wait-timeout', '300ms'], cli);
    expect(slow.code).toBe(5);
    expect(slow.stderr).toMatch(/still (pending|running)/);
  });
});

describe('jobs enqueue <type> --ndjson', () => {
  it('enqueues one job per line in bulk and prints {count, ids}', async () => {
    const { queue, cli } = setup();
    const lines = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ n: i }));
    const file = join(dir, 'many.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n\n`);
    const { code, json, stderr } = await runJson<{ count: number; ids: string[] }>(['enqueue', 'echo', '--ndjson', file, '--priority', '3'], cli);
    expect(code).toBe(0);
    expect(stderr).toBe(''); // no progress bar when stderr is not a terminal
    expect(json.count).toBe(2500);
    expect(new Set(json.ids).size).toBe(2500);
    expect((await queue.counts()).pending).toBe(2500);
    const [last] = await queue.getJobs([json.ids[2499] ?? '']);
    expect(last).toMatchObject({ payload: { n: 2499 }, priority: 3 });

    const fromStdin = await runCli(['enqueue', 'echo', '--ndjson', '-'], { ...cli, input: '{"a":1}\n{"a":2}\n' });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toMatch(/enqueued 2 "echo" jobs/);
  });

  it('reports a bad line by number, exits 2 and enqueues nothing of the file', async () => {
    const { queue, cli } = setup();
    const lines = Array.from({ length: 1500 }, (_, i) => JSON.stringify({ n: i }));
    lines[1203] = '{"n": oops}';
    const file = join(dir, 'bad.ndjson');
    writeFileSync(file, lines.join('\n'));
    const result = await runCli(['enqueue', 'echo', '--ndjson', file, '--json'], cli);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--ndjson line 1204 is not valid JSON/);
    expect(result.stdout).toBe('');
    expect(await queue.counts()).toMatchObject({ pending: 0, scheduled: 0 });
    expect(await queue.list('pending')).toEqual([]);
  });

  it('refuses --ndjson with --data, --key or --wait', async () => {
    const { cli } = setup();
    const result = await runCli(['enqueue', 'echo', '--ndjson', '-', '--key', 'k'], { ...cli, input: '{}\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--ndjson cannot be combined with --key/);
  });
});

describe('global behaviour', () => {
  it('exits 4 naming the URL without its password when Redis is unreachable', async () => {
    const result = await runCli(['enqueue', 'echo'], { redis: 'redis://alice:s3cret@127.0.0.1:1' });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/cannot reach Redis at redis:\/\/alice:\*\*\*@127\.0\.0\.1:1/);
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('takes settings from jobs.config.json in the working directory, below env and flags', async () => {
    const { queue } = setup();
    const cwd = mkdtempSync(join(tmpdir(), 'jobs-cli-cwd-'));
    writeFileSync(join(cwd, 'jobs.config.json'), JSON.stringify({ redis: redis.url, queue: queue.name }));
    const fromFile = await runJson<EnqueueJson>(['enqueue', 'echo'], { cwd });
    expect(fromFile.json.queue).toBe(queue.name);
    const fromEnv = await runJson<EnqueueJson>(['enqueue', 'echo'], { cwd, queue: `${queue.name}-env` });
    expect(fromEnv.json.queue).toBe(`${queue.name}-env`);
    const fromFlag = await runJson<EnqueueJson>(['--queue', `${queue.name}-flag`, 'enqueue', 'echo'], { cwd, queue: 'ignored' });
    expect(fromFlag.json.queue).toBe(`${queue.name}-flag`);
  });

  it('shows examples in --help of the program and of each command', async () => {
    const commands = [[], ['enqueue'], ['worker'], ['stats'], ['dlq'], ['dlq', 'retry'], ['dlq', 'purge'], ['queue', 'pause'], ['queues']];
    const results = await Promise.all(commands.map((command) => runCli([...command, '--help'])));
    results.forEach((result, i) => {
      expect(result.code, commands[i]?.join(' ')).toBe(0);
      expect(result.stdout, commands[i]?.join(' ')).toMatch(/Examples?:\n {2}jobs /);
    });
  });
});
