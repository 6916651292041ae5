import { alternate, freshQueue, record, type BenchContext } from '../context.js';
import { chunks } from '../stats.js';
import { makePayload, makePayloads, type Producer, type SystemAdapter } from '../systems/types.js';

const WARMUP_JOBS = 200;

/** Loads scripts and warms the connection on a throw-away queue, so the measured queue starts empty. */
async function warmUp(system: SystemAdapter, url: string): Promise<void> {
  const warm = await system.producer(url, freshQueue('warmup'));
  await warm.enqueueBulk(makePayloads(WARMUP_JOBS));
  for (let i = 0; i < 20; i += 1) await warm.enqueue(makePayload(i));
  const delayed = makePayloads(10);
  await warm.enqueueDelayedBulk(delayed, 3_600_000);
  await warm.close();
}

/** Case 1: enqueue one job per call, keeping `inFlight` calls outstanding. */
export async function enqueueOneAtATime(ctx: BenchContext): Promise<void> {
  const { enqueueOne: total, inFlight, rounds } = ctx.sizes;
  ctx.log(`case 1: enqueue ${total} jobs one at a time, ${inFlight} in flight`);
  await alternate(ctx, 'enqueue-one', rounds, async (system) => {
    await warmUp(system, ctx.redis.url);
    const producer = await system.producer(ctx.redis.url, freshQueue('one'));
    const payloads = makePayloads(total);
    await ctx.redis.resetStats();
    let next = 0;
    const lane = async (p: Producer): Promise<void> => {
      while (next < total) {
        const payload = payloads[next];
        next += 1;
        if (payload) await p.enqueue(payload);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: inFlight }, () => lane(producer)));
    const seconds = (performance.now() - started) / 1000;
    const commands = await ctx.redis.totalCommands();
    await producer.close();
    const spec = { caseNo: 1, unit: 'jobs/s', better: 'higher' as const };
    record(ctx, { ...spec, id: 'enqueue.one', label: `enqueue one at a time (${inFlight} in flight)` }, system.name, total / seconds);
    record(ctx, { ...spec, id: 'enqueue.one.commands', label: 'Redis commands per enqueued job', unit: 'cmd/job', better: 'lower' }, system.name, commands / total);
    ctx.log(`  ${system.name}: ${(total / seconds).toFixed(0)} jobs/s`);
  });
}

/**
 * Case 2 and 5: bulk enqueue in batches (the system's bulk call per batch), and Redis memory
 * per pending job from the same fill (INFO used_memory before/after).
 */
export async function enqueueBulk(ctx: BenchContext): Promise<void> {
  const { bulk: total, bulkBatch, rounds } = ctx.sizes;
  ctx.log(`case 2+5: bulk enqueue ${total} jobs in batches of ${bulkBatch}; memory per pending job`);
  const batches = chunks(makePayloads(total), bulkBatch);
  await alternate(ctx, 'enqueue-bulk', rounds, async (system) => {
    await warmUp(system, ctx.redis.url);
    const producer = await system.producer(ctx.redis.url, freshQueue('bulk'));
    await ctx.redis.resetStats();
    const memoryBefore = await ctx.redis.usedMemory();
    const started = performance.now();
    for (const batch of batches) await producer.enqueueBulk(batch);
    const seconds = (performance.now() - started) / 1000;
    const memoryAfter = await ctx.redis.usedMemory();
    const commands = await ctx.redis.totalCommands();
    await producer.close();
    record(
      ctx,
      { id: 'enqueue.bulk', caseNo: 2, label: `bulk enqueue (batches of ${bulkBatch})`, unit: 'jobs/s', better: 'higher' },
      system.name,
      total / seconds,
    );
    record(
      ctx,
      { id: 'enqueue.bulk.commands', caseNo: 2, label: 'Redis commands per bulk-enqueued job', unit: 'cmd/job', better: 'lower' },
      system.name,
      commands / total,
    );
    record(
      ctx,
      { id: 'memory.perJob', caseNo: 5, label: `Redis memory per pending job (${total} jobs)`, unit: 'bytes', better: 'lower' },
      system.name,
      (memoryAfter - memoryBefore) / total,
    );
    ctx.log(`  ${system.name}: ${(total / seconds).toFixed(0)} jobs/s, ${((memoryAfter - memoryBefore) / total).toFixed(0)} B/job`);
  });
}
