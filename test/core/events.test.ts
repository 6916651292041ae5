import { describe, expect, it } from 'vitest';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';
import type { JobEvent } from '../../src/index.js';

const redis = useRedisServer();
const { open, work } = queueFactory(redis);

describe('event stream', () => {
  it('writes nothing while off', async () => {
    const queue = open();
    const { id } = await queue.enqueue('t');
    expect(await queue.events.enabled()).toBe(false);
    const worker = work(queue, { handlers: { t: () => 1 } });
    await worker.start();
    await queue.waitFor(id, { timeoutMs: 5000 });
    expect(await queue.events.read()).toEqual([]);
  });

  it('records a retry then success in order, and follow() streams them live', async () => {
    const queue = open();
    await queue.events.enable();
    const controller = new AbortController();
    const live: JobEvent[] = [];
    const following = (async () => {
      for await (const event of queue.events.follow({ signal: controller.signal })) live.push(event);
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    let calls = 0;
    const { id } = await queue.enqueue('flaky', {}, { backoff: { baseMs: 10, capMs: 10 } });
    const worker = work(queue, {
      handlers: {
        flaky: () => {
          calls += 1;
          if (calls === 1) throw new Error('first fails');
        },
      },
    });
    await worker.start();
    await queue.waitFor(id, { timeoutMs: 5000 });
    const expected = ['enqueued', 'started', 'failed', 'retrying', 'started', 'succeeded'];
    const stored = await queue.events.read();
    expect(stored.map((e) => e.event)).toEqual(expected);
    expect(stored.every((e) => e.jobId === id && e.type === 'flaky')).toBe(true);
    expect(stored[2]).toMatchObject({ error: 'first fails', attempt: 1 });
    await until(() => live.length === expected.length, 5000, 'live events');
    controller.abort();
    await following;
    expect(live.map((e) => e.event)).toEqual(expected);
  });
});
