// Scenario 6, through the CLI: each bad input exits with the documented code, prints one
// clear line on stderr (no stack), and writes nothing: a snapshot of every Redis key with its
// type and value is the same before and after.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from '../../src/index.js';
import { uniqueQueue, useRedisServer } from '../helpers/fixtures.js';
import { runCli } from './support/processes.js';
import { takeSnapshot } from './support/snapshot.js';

const redis = useRedisServer();
const queueName = uniqueQueue('hostile');
const dir = mkdtempSync(join(tmpdir(), 'jobs-hostile-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
let admin: Redis;

beforeAll(async () => {
  admin = new Redis(redis.url);
  const queue = new Queue(queueName, { connection: redis.url });
  await queue.enqueueMany([{ type: 'echo', payload: { n: 1 } }, { type: 'echo', payload: { n: 2 } }, { type: 'echo' }]);
  await queue.close();
  const cron = await runCli(['--redis', redis.url, '--queue', queueName, 'cron', 'add', 'nightly', '--schedule', '0 3 * * *', '--type', 'echo']);
  expect(cron.code).toBe(0);
});
afterAll(() => admin.disconnect());

interface BadInput {
  what: string;
  args: string[];
  exit: 2 | 3;
  message: RegExp;
}

const deep = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const ndjsonBadLine = ['{"n":1}', '{"n":2}', '{"n":3,}', '{"n":4}'].join('\n');

const BAD_INPUTS: BadInput[] = [
  { what: 'invalid JSON in --data', args: ['enqueue', 'echo', '--data', '{"a":'], exit: 2, message: /--data is not valid JSON/ },
  { what: 'a 20 MB payload', args: ['enqueue', 'echo', '--payload', file('big.json', JSON.stringify({ blob: 'x'.repeat(20_000_000) }))], exit: 2, message: /over the 1048576-byte limit/ },
  { what: 'nesting 100,000 deep', args: ['enqueue', 'echo', '--payload', file('deep.json', deep(100_000))], exit: 2, message: /payload/ },
  { what: 'a job type with a space', args: ['enqueue', 'bad type'], exit: 2, message: /job type must be/ },
  { what: 'a job type with braces (a hash tag)', args: ['enqueue', '{other}'], exit: 2, message: /job type must be/ },
  { what: 'an empty job type', args: ['enqueue', ''], exit: 2, message: /job type must be/ },
  { what: 'a queue name with braces', args: ['--queue', 'a}{b', 'enqueue', 'echo'], exit: 2, message: /queue must be/ },
  { what: 'a duration with an unknown unit', args: ['enqueue', 'echo', '--delay', '5parsecs'], exit: 2, message: /not a duration/ },
  { what: 'a negative duration', args: ['enqueue', 'echo', '--delay', '-1s'], exit: 2, message: /not a duration/ },
  { what: 'a zero timeout', args: ['enqueue', 'echo', '--timeout', '0'], exit: 2, message: /timeout must be/ },
  { what: 'an overflowing duration', args: ['enqueue', 'echo', '--delay', '99999999999999999d'], exit: 2, message: /too large/ },
  { what: 'a backoff cap below its base', args: ['enqueue', 'echo', '--backoff', '10s:1s'], exit: 2, message: /cap/ },
  { what: 'a priority out of range', args: ['enqueue', 'echo', '--priority', '1001'], exit: 2, message: /priority/ },
  { what: 'a bad --at time', args: ['enqueue', 'echo', '--at', 'yesterday'], exit: 2, message: /ISO-8601/ },
  { what: 'a bad worker shutdown timeout', args: ['worker', '--shutdown-timeout', 'soon'], exit: 2, message: /not a duration/ },
  { what: 'a negative prefetch', args: ['worker', '--prefetch', '-1'], exit: 2, message: /prefetch/ },
  { what: 'a cron minute of 61', args: ['cron', 'add', 'bad', '--schedule', '61 * * * *', '--type', 'echo'], exit: 2, message: /./ },
  { what: 'a cron expression of 3 fields', args: ['cron', 'add', 'bad', '--schedule', '* * *', '--type', 'echo'], exit: 2, message: /./ },
  { what: 'an unknown time zone', args: ['cron', 'add', 'bad', '--schedule', '@hourly', '--type', 'echo', '--tz', 'Mars/Olympus'], exit: 2, message: /IANA/ },
  { what: 'replacing a schedule without --update', args: ['cron', 'add', 'nightly', '--schedule', '@hourly', '--type', 'echo'], exit: 2, message: /already exists/ },
  { what: 'show of id "*"', args: ['show', '*'], exit: 3, message: /not found/ },
  { what: 'show of id "?"', args: ['show', '?'], exit: 3, message: /not found/ },
  { what: 'show of id "[1-3]"', args: ['show', '[1-3]'], exit: 3, message: /not found/ },
  { what: 'cancel of id "*"', args: ['cancel', '*'], exit: 3, message: /not found/ },
  { what: 'cancel of id "1*"', args: ['cancel', '1*'], exit: 3, message: /not found/ },
  { what: 'dlq retry of ids "*" and "?"', args: ['dlq', 'retry', '*', '?'], exit: 3, message: /not found/ },
  { what: 'dlq show of id "[12]"', args: ['dlq', 'show', '[12]'], exit: 3, message: /not found|not in the dead-letter/ },
  { what: 'wait on id "*"', args: ['wait', '*', '--timeout', '1s'], exit: 3, message: /not found/ },
  { what: 'show of job 1 in a queue named "*"', args: ['--queue', '*', 'show', '1'], exit: 3, message: /not found/ },
  { what: 'an NDJSON file with one bad line', args: ['enqueue', 'echo', '--ndjson', file('bad-line.ndjson', ndjsonBadLine)], exit: 2, message: /line 3/ },
  { what: 'an NDJSON line over the size limit', args: ['enqueue', 'echo', '--ndjson', file('big-line.ndjson', `{"n":1}\n${JSON.stringify({ b: 'x'.repeat(1_100_000) })}\n`)], exit: 2, message: /line 2/ },
  { what: 'a missing payload file', args: ['enqueue', 'echo', '--payload', join(dir, 'missing.json')], exit: 2, message: /cannot read/ },
];

describe('scenario 6: hostile input through the CLI', () => {
  it.each(BAD_INPUTS)('$what: exit $exit, one clear line, nothing written', async ({ args, exit, message }) => {
    const before = await takeSnapshot(admin);
    const result = await runCli(['--redis', redis.url, '--queue', queueName, ...args]);
    const after = await takeSnapshot(admin);
    expect(after).toEqual(before);
    expect(result.code).toBe(exit);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).toMatch(/^jobs: /);
    expect(result.stderr).not.toMatch(/\n\s+at |Error:/);
  });

  it('stores __proto__ and constructor keys as plain data that round-trips', async () => {
    const payload = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"n":1}';
    const added = await runCli(['--redis', redis.url, '--queue', queueName, '--json', 'enqueue', 'echo', '--data', payload]);
    expect(added.code).toBe(0);
    const { id } = JSON.parse(added.stdout) as { id: string };
    const shown = await runCli(['--redis', redis.url, '--queue', queueName, '--json', 'show', id]);
    expect(shown.code).toBe(0);
    const job = JSON.parse(shown.stdout) as { payload: Record<string, unknown> };
    expect(Object.keys(job.payload)).toEqual(['__proto__', 'constructor', 'n']);
    expect(JSON.stringify(job.payload)).toBe(payload);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
