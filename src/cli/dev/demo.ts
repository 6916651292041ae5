import type { EnqueueOptions } from '../../core/options.js';
import { Queue } from '../../core/queue.js';

/** The queues the demo fills. */
export const DEMO_QUEUES = ['demo', 'demo-media'] as const;

/** The demo's cron schedule, on the `demo` queue. */
export const DEMO_SCHEDULE = 'demo-every-minute';

/** Short retry waits, so retries and the dead-lettering happen within seconds. */
const QUICK_RETRY: EnqueueOptions = { backoff: { baseMs: 500, capMs: 2000 } };

/** What the demo enqueued, for the start-up message. */
export interface DemoSummary {
  jobs: number;
  queues: string[];
  schedule: string;
}

/**
 * Enqueues a mix that shows every state within seconds: jobs that succeed, two that retry and
 * then succeed, one that is dead-lettered, a delayed job, a cancelled one, slow jobs with progress
 * on a second queue, and a cron schedule firing every minute (triggered once at once).
 */
export async function enqueueDemo(connection: string, prefix: string): Promise<DemoSummary> {
  const demo = new Queue('demo', { connection, prefix });
  const media = new Queue('demo-media', { connection, prefix });
  try {
    const names = ['ada', 'grace', 'alan', 'barbara', 'edsger'];
    const images = ['cat.jpg', 'dog.jpg', 'boat.png', 'map.png', 'sky.jpg', 'tree.jpg'];
    const enqueued = [
      ...(await demo.enqueueMany(names.map((name) => ({ type: 'demo-greet', payload: { name } })))),
      await demo.enqueue('demo-flaky', { succeedOn: 2, hook: 'https://example.com/orders' }, { ...QUICK_RETRY, maxAttempts: 3 }),
      await demo.enqueue('demo-flaky', { succeedOn: 3, hook: 'https://example.com/invoices' }, { ...QUICK_RETRY, maxAttempts: 4 }),
      await demo.enqueue('demo-broken', { card: '4000-0000-0000-0002' }, { ...QUICK_RETRY, maxAttempts: 2 }),
      await demo.enqueue('demo-greet', { name: 'later' }, { delay: 60_000 }),
      ...(await media.enqueueMany(images.map((image, i) => ({ type: 'demo-resize', payload: { image, width: 320, ms: 1000 + 400 * i } })))),
    ];
    const unwanted = await demo.enqueue('demo-greet', { name: 'unwanted' }, { delay: 60_000 });
    await demo.cancel(unwanted.id);
    await demo.schedules.add(DEMO_SCHEDULE, { cron: '* * * * *', type: 'demo-tick', overlap: 'skip' }, { update: true });
    await demo.schedules.trigger(DEMO_SCHEDULE);
    // the cancelled job and the schedule's first run count too
    return { jobs: enqueued.length + 2, queues: [...DEMO_QUEUES], schedule: DEMO_SCHEDULE };
  } finally {
    await Promise.all([demo.close(), media.close()]);
  }
}
