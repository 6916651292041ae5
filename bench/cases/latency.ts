import { alternate, freshQueue, record, type BenchContext } from '../context.js';
import { Countdown, percentile, sleep } from '../stats.js';
import { makePayload } from '../systems/types.js';

const WARMUP = 20;
const CONCURRENCY = 8;

/**
 * Case 4: an idle worker (concurrency 8) and a producer in the same process; jobs enqueued
 * one by one, spaced; latency from just before the enqueue call to the handler's start.
 */
export async function idleLatency(ctx: BenchContext): Promise<void> {
  const { latencySamples: n, latencySpacingMs: spacing, rounds } = ctx.sizes;
  ctx.log(`case 4: enqueue-to-start latency, ${n} jobs spaced ${spacing} ms, idle worker (concurrency ${CONCURRENCY})`);
  await alternate(ctx, 'latency', rounds, async (system) => {
    const queue = freshQueue('latency');
    const total = WARMUP + n;
    const sentAt = new Float64Array(total);
    const latencies: number[] = [];
    const countdown = new Countdown(total, 60_000 + total * spacing * 4, `${system.name} latency`);
    const worker = await system.worker(ctx.redis.url, queue, {
      concurrency: CONCURRENCY,
      onJob: (payload) => {
        const seq = payload.data.seq;
        if (seq >= WARMUP) latencies.push(performance.now() - (sentAt[seq] ?? 0));
        countdown.tick();
      },
    });
    await worker.start();
    const producer = await system.producer(ctx.redis.url, queue);
    await sleep(300);
    for (let seq = 0; seq < total; seq += 1) {
      sentAt[seq] = performance.now();
      await producer.enqueue(makePayload(seq));
      await sleep(spacing);
    }
    await countdown.done;
    await producer.close();
    await worker.close();
    const spec = { caseNo: 4, unit: 'ms', better: 'lower' as const };
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    record(ctx, { ...spec, id: 'latency.p50', label: 'enqueue-to-start latency p50 (idle worker)' }, system.name, p50);
    record(ctx, { ...spec, id: 'latency.p99', label: 'enqueue-to-start latency p99 (idle worker)' }, system.name, p99);
    ctx.log(`  ${system.name}: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
  });
}
