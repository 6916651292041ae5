import { describe, expect, it } from 'vitest';
import { liveWorkers, ValidationError, Worker } from '../../src/index.js';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);

describe('worker registry', () => {
  it('lists a started worker with its busy slots (refreshed by heartbeat) and removes it on close', async () => {
    const queue = open();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const worker = work(queue, { concurrency: 4, handlers: { hold: () => gate }, registration: { heartbeatMs: 50, timeoutMs: 500 } });
    await worker.start();
    const [listed] = await liveWorkers(queue);
    expect(listed).toMatchObject({ id: worker.registrationId, queue: queue.name, pid: process.pid, concurrency: 4, busy: 0 });
    expect(Date.now() - (listed?.lastHeartbeatAt.getTime() ?? 0)).toBeLessThan(1000);
    await queue.enqueue('hold');
    await until(async () => (await liveWorkers(queue))[0]?.busy === 1, 5000, 'busy slot in the listing');
    release();
    await worker.close(500);
    expect(await liveWorkers(queue)).toEqual([]);
  });

  it('writes entries that Redis expires after the timeout; a lister forgets ids whose entry is gone', async () => {
    const queue = open();
    const worker = work(queue, { handlers: {}, registration: { heartbeatMs: 50, timeoutMs: 300 } });
    await worker.start();
    const entry = `${queue.handle.keys.base}worker:${worker.registrationId}`;
    const ttl = await queue.handle.call((r) => r.pttl(entry));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    // As if the heartbeat had stopped past the timeout (a SIGKILLed process: see cli.test.ts).
    await queue.handle.call((r) => r.del(entry));
    expect(await liveWorkers(queue)).toEqual([]);
    expect(await queue.handle.call((r) => r.scard(queue.handle.keys.workers))).toBe(0);
    // A worker that was only cut off comes back with its heartbeat, within six beats.
    await until(async () => (await liveWorkers(queue)).length === 1, 3000, 'the worker listed again');
  });

  it('refuses a timeout shorter than two heartbeats', () => {
    expect(() => new Worker('q', { connection: redis.url, handlers: {}, registration: { heartbeatMs: 1000, timeoutMs: 1500 } })).toThrow(ValidationError);
  });
});
