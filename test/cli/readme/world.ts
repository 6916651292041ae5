import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PermanentError, Queue, Worker, type HandlerMap } from '../../../src/index.js';

/**
 * The job types the README's examples use. The examples' handlers.js handles each (the user's
 * own module, in the README's story), and so does the worker the test runs beside an example
 * that waits for a job. A new example with a new type that must run: add the type here.
 */
export const EXAMPLE_JOB_TYPES = ['send-email', 'webhook', 'report', 'resize', 'build', 'cleanup'];

/** The files the README's examples name, in the directory they run in. */
export function writeExampleFiles(dir: string): void {
  writeFileSync(
    join(dir, 'handlers.js'),
    `export default Object.fromEntries(${JSON.stringify(EXAMPLE_JOB_TYPES)}.map((type) => [type, async (payload) => ({ type, payload })]));\n`,
  );
  writeFileSync(join(dir, 'report.json'), '{"month":"2026-10","to":"ops"}\n');
  writeFileSync(join(dir, 'images.ndjson'), ['{"src":"a.png","width":640}', '{"src":"b.png","width":320}', ''].join('\n'));
}

const exampleHandlers = (): HandlerMap =>
  Object.fromEntries(EXAMPLE_JOB_TYPES.map((type) => [type, async (payload: unknown) => ({ type, payload })]));

async function drain(url: string, prefix: string, queue: string, handlers: HandlerMap): Promise<void> {
  const worker = new Worker(queue, { connection: url, prefix, handlers, exitWhenDrained: true, schedules: false });
  await worker.start();
  await worker.done;
  await worker.close(1000);
}

/**
 * What a reader who has run the queues for a while has, under a prefix of its own: in queue
 * `default`, jobs 1-41 finished (17 and 18, webhooks, in the dead-letter queue; the rest
 * succeeded e-mails) and job 42 pending; queues `emails` and `webhooks` with a finished job each.
 */
export async function seedWorld(url: string, prefix: string): Promise<void> {
  const queue = new Queue('default', { connection: url, prefix });
  try {
    const specs = Array.from({ length: 41 }, (_, index) =>
      index + 1 === 17 || index + 1 === 18
        ? { type: 'webhook', payload: { url: 'https://example.com/hook', data: { n: index + 1 } }, options: { maxAttempts: 1 } }
        : { type: 'send-email', payload: { to: `user${index + 1}@example.com` } },
    );
    const ids = (await queue.enqueueMany(specs)).map((result) => result.id);
    if (ids[0] !== '1' || ids[40] !== '41') throw new Error(`the world expects ids 1-41, got ${ids[0]}-${ids[40]}`);
    await drain(url, prefix, 'default', {
      ...exampleHandlers(),
      webhook: () => {
        throw new PermanentError('receiver answered 410 Gone');
      },
    });
    await queue.enqueue('send-email', { to: 'ada@example.com' });
    for (const name of ['emails', 'webhooks']) {
      const other = new Queue(name, { connection: url, prefix });
      await other.enqueue(name === 'emails' ? 'send-email' : 'webhook', { n: 1 });
      await other.close();
      await drain(url, prefix, name, exampleHandlers());
    }
  } finally {
    await queue.close();
  }
}

/** A worker beside an example that waits for a job (`--wait`, `jobsctl wait`). */
export async function startHelperWorker(url: string, prefix: string, queue: string): Promise<Worker> {
  const worker = new Worker(queue, { connection: url, prefix, handlers: exampleHandlers(), concurrency: 4, schedules: false });
  await worker.start();
  return worker;
}
