// How the CLI fails: one `jobs: ...` line on stderr (commander's parse errors too), or with
// --json one {"error":{...}} object on stderr; a timed-out wait still prints the job on stdout.
import { describe, expect, it } from 'vitest';
import { Queue } from '../../src/index.js';
import type { JobJson } from '../../src/cli/output.js';
import type { ErrorJson } from '../../src/cli/failure.js';
import { uniqueQueue, useClosers, useRedisServer } from '../helpers/fixtures.js';
import { freePort } from '../helpers/redis-server.js';
import { runCli, type CliOptions, type CliResult } from './run-cli.js';

const redis = useRedisServer();
const closers = useClosers();

function setup(): { queue: Queue; cli: CliOptions } {
  const name = uniqueQueue('errors');
  const queue = new Queue(name, { connection: redis.url });
  closers.push(() => queue.close());
  return { queue, cli: { redis: redis.url, queue: name } };
}

/** stderr as exactly one JSON error object. */
function errorJson(result: CliResult): ErrorJson['error'] {
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  return (JSON.parse(lines[0] ?? '') as ErrorJson).error;
}

describe('parse errors', () => {
  const cases = [
    { what: 'an unknown command', args: ['version'], line: /^jobs: unknown command 'version'/ },
    { what: 'a bad option value', args: ['enqueue', 'x', '--delay', '5x'], line: /^jobs: option '--delay <duration>' argument '5x' is invalid\. .*not a duration/ },
    { what: 'an unknown option', args: ['list', '--colour'], line: /^jobs: unknown option '--colour'/ },
    { what: 'a missing argument', args: ['show'], line: /^jobs: missing required argument 'id'/ },
    { what: 'a command group without its command', args: ['dlq'], line: /^jobs: a command name is missing/ },
  ];

  it.each(cases)('$what: one `jobs:` line on stderr, exit 2', async ({ args, line }) => {
    const result = await runCli(args, { redis: 'redis://127.0.0.1:1' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines[lines.length - 1]).toMatch(line);
    expect(result.stderr).not.toMatch(/^error:/m);
  });

  it.each(cases)('$what with --json: {"error":{"code":"USAGE",...}} on stderr and nothing else', async ({ args, line }) => {
    const result = await runCli([...args, '--json'], { redis: 'redis://127.0.0.1:1' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const error = errorJson(result);
    expect(error).toMatchObject({ code: 'USAGE', exitCode: 2 });
    expect(`jobs: ${error.message}`).toMatch(line);
  });

  it('says jobs: also when run as jobsctl', async () => {
    const result = await runCli(['version'], { bin: 'jobsctl' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^jobs: unknown command 'version'/);
  });
});

describe('failures with --json', () => {
  it('an unknown job: NOT_FOUND with the id, exit 3', async () => {
    const { cli } = setup();
    const result = await runCli(['show', '999', '--json'], cli);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(errorJson(result)).toEqual({ code: 'NOT_FOUND', exitCode: 3, jobId: '999', message: expect.stringMatching(/job 999 not found/) });
  });

  it('a transition the state does not allow: INVALID_STATE with the state, exit 1', async () => {
    const { queue, cli } = setup();
    const { id } = await queue.enqueue('echo');
    expect(await queue.cancel(id)).toBe('cancelled');
    const result = await runCli(['cancel', id, '--json'], cli);
    expect(result.code).toBe(1);
    expect(errorJson(result)).toMatchObject({ code: 'INVALID_STATE', exitCode: 1, jobId: id, state: 'cancelled' });
  });

  it('Redis unreachable: REDIS_UNAVAILABLE, exit 4; a bad input: USAGE, exit 2', async () => {
    const port = await freePort();
    const down = await runCli(['list', '--json'], { redis: `redis://127.0.0.1:${port}` });
    expect(down.code).toBe(4);
    expect(errorJson(down)).toMatchObject({ code: 'REDIS_UNAVAILABLE', exitCode: 4 });
    const bad = await runCli(['enqueue', 'x', '--data', '{', '--json'], { redis: `redis://127.0.0.1:${port}` });
    expect(bad.code).toBe(2);
    expect(errorJson(bad)).toMatchObject({ code: 'USAGE', exitCode: 2, message: expect.stringMatching(/--data is not valid JSON/) });
  });

  it('--debug adds the stack to the JSON error', async () => {
    const { cli } = setup();
    const result = await runCli(['show', '999', '--json', '--debug'], cli);
    expect(errorJson(result).stack).toMatch(/JobNotFoundError: job 999 not found[\s\S]*\n\s+at /);
  });
});

describe('a wait that times out', () => {
  it('enqueue --wait --json prints the job as it stands on stdout, TIMEOUT on stderr, exit 5', async () => {
    const { queue, cli } = setup();
    const result = await runCli(['enqueue', 'nobody-runs-this', '--wait', '--wait-timeout', '500ms', '--json'], cli);
    expect(result.code).toBe(5);
    const job = JSON.parse(result.stdout) as JobJson;
    expect(job).toMatchObject({ queue: queue.name, type: 'nobody-runs-this', status: 'pending' });
    expect((await queue.requireJob(job.id)).status).toBe('pending');
    expect(errorJson(result)).toMatchObject({ code: 'TIMEOUT', exitCode: 5, message: expect.stringContaining(`job ${job.id} is still pending`) });
  });

  it('wait --json does the same; without --json the id is the line on stdout', async () => {
    const { queue, cli } = setup();
    const { id } = await queue.enqueue('nobody-runs-this');
    const json = await runCli(['wait', id, '--timeout', '300ms', '--json'], cli);
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout)).toMatchObject({ id, status: 'pending' });
    const plain = await runCli(['enqueue', 'nobody-runs-this', '--wait', '--wait-timeout', '300ms'], cli);
    expect(plain.code).toBe(5);
    expect(plain.stdout).toMatch(/^\d+\n$/);
    expect(plain.stderr).toMatch(/^jobs: job \d+ is still pending after 300 ms\n$/);
  });
});

describe('help under either name', () => {
  it('shows the name it was started as, in the usage line and the examples', async () => {
    const ctl = await runCli(['enqueue', '--help'], { bin: 'jobsctl' });
    expect(ctl.code).toBe(0);
    expect(ctl.stdout).toMatch(/^Usage: jobsctl enqueue /);
    expect(ctl.stdout).toContain("  jobsctl enqueue send-email --data '{\"to\":\"a@example.com\"}'");
    expect(ctl.stdout).toContain('| jobsctl enqueue webhook --payload -');
    expect(ctl.stdout).not.toMatch(/(^\s*|\| )jobs enqueue/m);

    const plain = await runCli(['enqueue', '--help'], { bin: 'jobs' });
    expect(plain.stdout).toMatch(/^Usage: jobs enqueue /);
    expect(plain.stdout).toContain("  jobs enqueue send-email --data '{\"to\":\"a@example.com\"}'");
    // Prose that says "jobs" keeps it under either name.
    const top = await runCli(['--help'], { bin: 'jobsctl' });
    expect(top.stdout).toMatch(/^Usage: jobsctl /);
    expect(top.stdout).toContain('Redis-backed background jobs:');
  });
});
