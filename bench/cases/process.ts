import { alternate, freshQueue, record, type BenchContext } from '../context.js';
import { chunks, Countdown } from '../stats.js';
import { makePayloads, type SystemAdapter } from '../systems/types.js';

const FILL_BATCH = 1000;

export interface ProcessPlan {
  /** Ready jobs enqueued before the worker starts. */
  ready: number;
  /** Delayed jobs (due in an hour) enqueued before them. */
  delayed?: number;
  /** Jobs the worker must start before the clock stops (<= ready). */
  process: number;
  concurrency: number;
  /** Runs just before the worker starts fetching (after the fill and the worker's connect). */
  beforeStart?: () => Promise<void>;
}

export interface ProcessResult {
  jobsPerSecond: number;
  /** Node CPU (this process, all threads) per processed job, µs. */
  nodeCpuUsPerJob: number;
  /** redis-server CPU per processed job, µs. */
  redisCpuUsPerJob: number;
  /** Redis commands per processed job, counting those run inside Lua scripts. */
  commandsPerJob: number;
}

/** Fills a fresh queue in bulk, then times one worker process starting `plan.process` jobs. */
export async function processJobs(ctx: BenchContext, system: SystemAdapter, plan: ProcessPlan): Promise<ProcessResult> {
  const queue = freshQueue(`p${plan.concurrency}`);
  const producer = await system.producer(ctx.redis.url, queue);
  const delayed = plan.delayed ?? 0;
  for (let first = 0; first < delayed; first += 10 * FILL_BATCH) {
    for (const batch of chunks(makePayloads(Math.min(10 * FILL_BATCH, delayed - first), first), FILL_BATCH)) {
      await producer.enqueueDelayedBulk(batch, 3_600_000);
    }
  }
  for (let first = 0; first < plan.ready; first += 10 * FILL_BATCH) {
    for (const batch of chunks(makePayloads(Math.min(10 * FILL_BATCH, plan.ready - first), first), FILL_BATCH)) {
      await producer.enqueueBulk(batch);
    }
  }
  await producer.close();

  const countdown = new Countdown(plan.process, Math.max(120_000, plan.process * 10), `${system.name} processing`);
  const worker = await system.worker(ctx.redis.url, queue, {
    concurrency: plan.concurrency,
    onJob: () => countdown.tick(),
    delayedJobs: delayed > 0,
  });
  await ctx.redis.resetStats();
  await plan.beforeStart?.();
  const redisCpuBefore = await ctx.redis.cpuSeconds();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await worker.start();
  const finishedAt = await countdown.done;
  const cpu = process.cpuUsage(cpuBefore);
  const redisCpu = (await ctx.redis.cpuSeconds()) - redisCpuBefore;
  await worker.close();
  const commands = await ctx.redis.totalCommands();
  const n = plan.process;
  return {
    jobsPerSecond: n / ((finishedAt - started) / 1000),
    nodeCpuUsPerJob: (cpu.user + cpu.system) / n,
    redisCpuUsPerJob: (redisCpu * 1e6) / n,
    commandsPerJob: commands / n,
  };
}

/** Case 3: process N pre-enqueued jobs at each concurrency in one worker process. */
export async function processThroughput(ctx: BenchContext): Promise<void> {
  for (const [concurrencyText, total] of Object.entries(ctx.sizes.process)) {
    const concurrency = Number(concurrencyText);
    ctx.log(`case 3: process ${total} pre-enqueued jobs at concurrency ${concurrency}`);
    await alternate(ctx, `process-c${concurrency}`, ctx.sizes.rounds, async (system) => {
      const result = await processJobs(ctx, system, { ready: total, process: total, concurrency });
      const id = `process.c${concurrency}`;
      record(ctx, { id, caseNo: 3, label: `process, concurrency ${concurrency}`, unit: 'jobs/s', better: 'higher' }, system.name, result.jobsPerSecond);
      const lower = { caseNo: 3, better: 'lower' as const };
      record(ctx, { ...lower, id: `${id}.commands`, label: `  Redis commands per job (c=${concurrency})`, unit: 'cmd/job' }, system.name, result.commandsPerJob);
      record(ctx, { ...lower, id: `${id}.nodeCpu`, label: `  worker Node CPU per job (c=${concurrency})`, unit: 'µs/job' }, system.name, result.nodeCpuUsPerJob);
      record(ctx, { ...lower, id: `${id}.redisCpu`, label: `  redis-server CPU per job (c=${concurrency})`, unit: 'µs/job' }, system.name, result.redisCpuUsPerJob);
      ctx.log(`  ${system.name}: ${result.jobsPerSecond.toFixed(0)} jobs/s, ${result.commandsPerJob.toFixed(1)} cmd/job, node ${result.nodeCpuUsPerJob.toFixed(0)} µs/job, redis ${result.redisCpuUsPerJob.toFixed(0)} µs/job`);
    });
  }
}

/** Case 7: does a deep backlog (ready or delayed) slow processing down? Concurrency 8. */
export async function backlogThroughput(ctx: BenchContext): Promise<void> {
  const { backlogJobs: n, backlogBig, backlogDelayed, rounds, backlogBigRounds } = ctx.sizes;
  const concurrency = 8;
  const spec = { caseNo: 7, unit: 'jobs/s', better: 'higher' as const };
  const baseline = new Map<string, number[]>();
  ctx.log(`case 7: process ${n} jobs at concurrency ${concurrency}: ${n} pending, ${backlogDelayed} delayed + ${n}, ${backlogBig} pending`);
  await alternate(ctx, 'backlog-base', rounds, async (system) => {
    const result = await processJobs(ctx, system, { ready: n, process: n, concurrency });
    record(ctx, { ...spec, id: 'backlog.base', label: `process ${n} of ${n} pending (c=8)` }, system.name, result.jobsPerSecond);
    (baseline.get(system.name) ?? baseline.set(system.name, []).get(system.name))?.push(result.jobsPerSecond);
    ctx.log(`  ${system.name} (${n} pending): ${result.jobsPerSecond.toFixed(0)} jobs/s`);
  });
  const relative = (system: SystemAdapter, round: number, rate: number): number => {
    const base = baseline.get(system.name) ?? [];
    return rate / (base[round] ?? base[0] ?? rate);
  };
  await alternate(ctx, 'backlog-delayed', rounds, async (system, round) => {
    const result = await processJobs(ctx, system, { ready: n, delayed: backlogDelayed, process: n, concurrency });
    record(ctx, { ...spec, id: 'backlog.delayed', label: `process ${n} with ${backlogDelayed} delayed waiting` }, system.name, result.jobsPerSecond);
    record(ctx, { ...spec, id: 'backlog.delayed.relative', label: '  vs no backlog (1.0 = no slowdown)', unit: 'x' }, system.name, relative(system, round, result.jobsPerSecond));
    ctx.log(`  ${system.name} (+${backlogDelayed} delayed): ${result.jobsPerSecond.toFixed(0)} jobs/s`);
  });
  await alternate(ctx, 'backlog-big', backlogBigRounds, async (system, round) => {
    const started = performance.now();
    const result = await processJobs(ctx, system, { ready: backlogBig, process: n, concurrency });
    record(ctx, { ...spec, id: 'backlog.big', label: `process ${n} of ${backlogBig} pending` }, system.name, result.jobsPerSecond);
    record(ctx, { ...spec, id: 'backlog.big.relative', label: '  vs no backlog (1.0 = no slowdown)', unit: 'x' }, system.name, relative(system, round, result.jobsPerSecond));
    ctx.log(`  ${system.name} (${backlogBig} pending): ${result.jobsPerSecond.toFixed(0)} jobs/s (fill + run ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  });
}
