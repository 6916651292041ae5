import { describe, expect, it } from 'vitest';
import { Queue, Worker } from '../../src/index.js';
import { uniqueQueue, until, useClosers, useRedisServer } from '../helpers/fixtures.js';
import { runJson } from './run-cli.js';

const redis = useRedisServer();
const closers = useClosers();

interface WorkerJson {
  id: string;
  busy: number;
  concurrency: number;
}

describe('jobs workers', () => {
  it('shows the busy slots within about a second of a change, long before the next heartbeat', async () => {
    const prefix = uniqueQueue('busy');
    const queue = new Queue('slow', { connection: redis.url, prefix });
    closers.push(() => queue.close());
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // a heartbeat far beyond the test's deadlines: only the busy-change write can show the change
    const worker = new Worker('slow', {
      connection: redis.url,
      prefix,
      concurrency: 4,
      handlers: { hold: () => gate },
      registration: { heartbeatMs: 120_000, timeoutMs: 360_000 },
    });
    closers.push(() => worker.close(500));
    await worker.start();
    const listed = async (): Promise<WorkerJson[]> => (await runJson<WorkerJson[]>(['workers'], { redis: redis.url, prefix })).json;
    expect(await listed()).toMatchObject([{ id: worker.registrationId, busy: 0, concurrency: 4 }]);

    await queue.enqueueMany([1, 2, 3, 4].map(() => ({ type: 'hold' })));
    await until(() => worker.busy === 4, 20_000, 'four jobs running');
    await until(async () => (await listed())[0]?.busy === 4, 30_000, 'busy 4/4 in jobs workers');

    release();
    await until(async () => (await listed())[0]?.busy === 0, 30_000, 'busy 0/4 once the jobs ended');
  });
});
