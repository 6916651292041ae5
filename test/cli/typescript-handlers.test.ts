// `jobs worker --handlers ./handlers.ts`: runs when Node can load TypeScript (a loader, or a
// Node that strips types); otherwise one line saying what to do, exit 2, nothing written.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from '../../src/index.js';
import { uniqueQueue, useRedisServer } from '../helpers/fixtures.js';
import { takeSnapshot } from '../reliability/support/snapshot.js';
import { ROOT, runCli } from './run-cli.js';

const redis = useRedisServer();
const HANDLERS = 'test/fixtures/ts-handlers.ts';
const LOADER = `${ROOT}test/fixtures/ts-loader/register.mjs`;
/** Node 23.6+ strips types by itself (process.features.typescript); Node 20 does not. */
const nodeStripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);

let admin: Redis;
beforeAll(() => {
  admin = new Redis(redis.url);
});
afterAll(() => admin.disconnect());

describe('a TypeScript handlers module', () => {
  it.skipIf(nodeStripsTypes)('without a loader: exit 2, one line naming the ways that work, nothing written', async () => {
    const queue = new Queue(uniqueQueue('ts'), { connection: redis.url });
    await queue.enqueue('greet', { name: 'Ada' });
    await queue.close();
    const before = await takeSnapshot(admin);
    const result = await runCli(['worker', '--handlers', HANDLERS, '--drain'], { redis: redis.url, queue: queue.name });
    expect(await takeSnapshot(admin)).toEqual(before);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^jobs: handlers module ${HANDLERS.replace(/\./g, '\\.')} is TypeScript, which Node v\\d+`));
    expect(lines[0]).toContain('compile it to JavaScript');
    expect(lines[0]).toContain(`NODE_OPTIONS='--import tsx' jobsctl worker --handlers ${HANDLERS}`);
    expect(lines[0]).not.toContain('Unknown file extension');
  });

  it('with a loader registered through NODE_OPTIONS: loads and runs its handlers', async () => {
    const queue = new Queue(uniqueQueue('ts'), { connection: redis.url });
    try {
      const { id } = await queue.enqueue('greet', { name: 'Ada' });
      const result = await runCli(['worker', '--handlers', HANDLERS, '--drain'], {
        redis: redis.url,
        queue: queue.name,
        env: { NODE_OPTIONS: `--import ${LOADER}` },
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(await queue.requireJob(id)).toMatchObject({ status: 'success', result: { greeting: 'hello Ada' } });
    } finally {
      await queue.close();
    }
  });
});
