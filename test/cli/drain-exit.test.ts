import { describe, expect, it } from 'vitest';
import { Queue } from '../../src/index.js';
import { uniqueQueue, useClosers, useRedisServer } from '../helpers/fixtures.js';
import { HANDLERS_FIXTURE, ndjson, runCli, type CliOptions } from './run-cli.js';

const redis = useRedisServer();
const closers = useClosers();

function open(): { queue: Queue; cli: CliOptions } {
  const name = uniqueQueue('drain');
  const queue = new Queue(name, { connection: redis.url });
  closers.push(() => queue.close());
  return { queue, cli: { redis: redis.url, queue: name } };
}

describe('jobs worker --drain --fail-on-dead-letter', () => {
  it('exits 1 when a job was dead-lettered during the run, and says why', async () => {
    const { queue, cli } = open();
    await queue.enqueueMany([{ type: 'echo' }, { type: 'fail', options: { maxAttempts: 1 } }]);
    const result = await runCli(['worker', '--handlers', HANDLERS_FIXTURE, '--drain', '--fail-on-dead-letter', '--json'], cli);
    expect(result.code).toBe(1);
    const events = ndjson<{ event: string; failed?: number; success?: number }>(result.stdout);
    expect(events.find((e) => e.event === 'summary')).toMatchObject({ success: 1, failed: 1 });
    expect(events.at(-1)).toMatchObject({ event: 'dead-lettered', failed: 1 });
    expect(result.stderr).toMatch(/1 job dead-lettered during the run; exit 1/);
    expect(await queue.counts()).toMatchObject({ success: 1, failed: 1 });
  });

  it('exits 0 when nothing was dead-lettered, and without the flag whatever failed', async () => {
    const { queue, cli } = open();
    await queue.enqueueMany([{ type: 'echo' }, { type: 'fail', options: { maxAttempts: 2, backoff: { baseMs: 10, capMs: 10 } } }]);
    const plain = await runCli(['worker', '--handlers', HANDLERS_FIXTURE, '--drain'], cli);
    expect(plain.code).toBe(0);
    expect(await queue.counts()).toMatchObject({ failed: 1 });
    await queue.enqueue('echo');
    const clean = await runCli(['worker', '--handlers', HANDLERS_FIXTURE, '--drain', '--fail-on-dead-letter'], cli);
    expect(clean.code).toBe(0);
    // the environment turns it on as well
    await queue.enqueue('fail', {}, { maxAttempts: 1 });
    const fromEnv = await runCli(['worker', '--handlers', HANDLERS_FIXTURE, '--drain'], { ...cli, env: { JOBS_FAIL_ON_DEAD_LETTER: 'true' } });
    expect(fromEnv.code).toBe(1);
  });
});
