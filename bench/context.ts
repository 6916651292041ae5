import type { BenchRedis, SlowEntry } from './redis.js';
import type { SystemAdapter, SystemName } from './systems/types.js';

/** One measured quantity, with a sample per round for each system. */
export interface Metric {
  id: string;
  caseNo: number;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  samples: Partial<Record<SystemName, number[]>>;
}

export interface SlowSummary {
  entries: number;
  maxUs: number;
  top: SlowEntry[];
}

export interface Sizes {
  rounds: number;
  enqueueOne: number;
  inFlight: number;
  bulk: number;
  bulkBatch: number;
  process: Record<number, number>;
  latencySamples: number;
  latencySpacingMs: number;
  commandJobs: number;
  monitorJobs: number;
  idleSeconds: number;
  backlogJobs: number;
  backlogBig: number;
  backlogBigRounds: number;
  backlogDelayed: number;
}

export interface BenchContext {
  redis: BenchRedis;
  systems: SystemAdapter[];
  sizes: Sizes;
  metrics: Metric[];
  /** Per case id and system: what SLOWLOG caught during the measured phases. */
  slowlog: Record<string, Partial<Record<SystemName, SlowSummary>>>;
  /** Free-form detail per case (command breakdowns, CPU split). */
  details: Record<string, unknown>;
  log: (line: string) => void;
}

export function record(
  ctx: BenchContext,
  spec: Omit<Metric, 'samples'>,
  system: SystemName,
  value: number,
): void {
  let metric = ctx.metrics.find((m) => m.id === spec.id);
  if (!metric) {
    metric = { ...spec, samples: {} };
    ctx.metrics.push(metric);
  }
  (metric.samples[system] ??= []).push(value);
}

let queueCounter = 0;
/** A fresh queue name per run, so nothing of an earlier run can interfere. */
export function freshQueue(label: string): string {
  queueCounter += 1;
  return `bench-${label}-${queueCounter}`;
}

/** Folds the SLOWLOG of the measured phase into the case's summary. */
export async function collectSlowlog(ctx: BenchContext, caseId: string, system: SystemName): Promise<void> {
  const entries = await ctx.redis.slowlog();
  const byCase = (ctx.slowlog[caseId] ??= {});
  const summary = (byCase[system] ??= { entries: 0, maxUs: 0, top: [] });
  summary.entries += entries.length;
  for (const entry of entries) summary.maxUs = Math.max(summary.maxUs, entry.durationUs);
  summary.top = [...summary.top, ...entries].sort((a, b) => b.durationUs - a.durationUs).slice(0, 3);
}

/**
 * Runs `fn` for every system, round after round, rotating who goes first (A B C, B C A, ...),
 * with Redis flushed before each run and its SLOWLOG collected after.
 */
export async function alternate(
  ctx: BenchContext,
  caseId: string,
  rounds: number,
  fn: (system: SystemAdapter, round: number) => Promise<void>,
): Promise<void> {
  const n = ctx.systems.length;
  for (let round = 0; round < rounds; round += 1) {
    for (let i = 0; i < n; i += 1) {
      const system = ctx.systems[(i + round) % n];
      if (!system) continue;
      await ctx.redis.reset();
      await fn(system, round);
      await collectSlowlog(ctx, caseId, system.name);
    }
  }
}
