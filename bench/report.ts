import type { BenchContext, Metric } from './context.js';
import { median } from './stats.js';
import type { SystemName } from './systems/types.js';

const PEERS: SystemName[] = ['bullmq', 'bee-queue'];
const ALL: SystemName[] = ['jobs', 'bullmq', 'bee-queue'];

export function med(metric: Metric | undefined, system: SystemName): number {
  const samples = metric?.samples[system];
  return samples && samples.length > 0 ? median(samples) : Number.NaN;
}

function format(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}x` : '-';
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length))) ?? [];
  const line = (row: string[]): string =>
    row.map((cell, col) => (col <= 1 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0))).join('  ');
  const [head, ...body] = rows;
  return [line(head ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export interface TargetResult {
  target: string;
  measured: string;
  met: boolean | null;
}

/** The targets of issue 6, checked against the medians of this run. */
export function checkTargets(ctx: BenchContext): TargetResult[] {
  const m = (id: string): Metric | undefined => ctx.metrics.find((metric) => metric.id === id);
  const r = (id: string, peer: SystemName): number => med(m(id), 'jobs') / med(m(id), peer);
  const out: TargetResult[] = [];
  const add = (target: string, value: number, ok: (v: number) => boolean, unit = 'x'): void => {
    out.push({ target, measured: Number.isFinite(value) ? `${value.toFixed(2)}${unit}` : 'not measured', met: Number.isFinite(value) ? ok(value) : null });
  };
  for (const c of [8, 64]) {
    add(`process c=${c} >= 4x BullMQ`, r(`process.c${c}`, 'bullmq'), (v) => v >= 4);
    add(`process c=${c} >= 3x Bee-Queue`, r(`process.c${c}`, 'bee-queue'), (v) => v >= 3);
  }
  add('process c=1 >= 2x BullMQ', r('process.c1', 'bullmq'), (v) => v >= 2);
  add('bulk enqueue >= 5x BullMQ addBulk', r('enqueue.bulk', 'bullmq'), (v) => v >= 5);
  add('bulk enqueue >= 2x Bee-Queue saveAll', r('enqueue.bulk', 'bee-queue'), (v) => v >= 2);
  const fasterPeer = Math.max(med(m('enqueue.one'), 'bullmq'), med(m('enqueue.one'), 'bee-queue'));
  add('one-at-a-time enqueue >= 1.5x the faster peer', med(m('enqueue.one'), 'jobs') / fasterPeer, (v) => v >= 1.5);
  add('latency p50 <= 1 ms', med(m('latency.p50'), 'jobs'), (v) => v <= 1, ' ms');
  add('latency p99 <= 5 ms', med(m('latency.p99'), 'jobs'), (v) => v <= 5, ' ms');
  add('idle worker <= 1 Redis command/s', med(m('idle.commandsPerSec'), 'jobs'), (v) => v <= 1, ' cmd/s');
  add('memory per pending job <= 0.6x BullMQ', r('memory.perJob', 'bullmq'), (v) => v <= 0.6);
  add('big ready backlog slows processing < 20%', med(m('backlog.big.relative'), 'jobs'), (v) => v > 0.8, 'x of no-backlog rate');
  add('100k delayed slow processing < 20%', med(m('backlog.delayed.relative'), 'jobs'), (v) => v > 0.8, 'x of no-backlog rate');
  return out;
}

export function renderReport(ctx: BenchContext, targets: TargetResult[]): string {
  const systems = ALL.filter((s) => ctx.systems.some((a) => a.name === s));
  const peers = PEERS.filter((s) => systems.includes(s));
  const head = ['#', 'metric', 'unit', ...systems, ...(systems.includes('jobs') ? peers.map((p) => `jobs/${p}`) : [])];
  const rows: string[][] = [head];
  for (const metric of ctx.metrics) {
    const values = systems.map((s) => med(metric, s));
    const ratios = systems.includes('jobs') ? peers.map((p) => ratio(med(metric, 'jobs'), med(metric, p))) : [];
    const arrow = metric.better === 'higher' ? '↑' : '↓';
    rows.push([String(metric.caseNo), metric.label, `${metric.unit} ${arrow}`, ...values.map(format), ...ratios]);
  }
  const parts = [table(rows), '', '↑ higher is better, ↓ lower is better; values are medians over the rounds; ratios are jobs/peer.'];
  parts.push('', 'Targets (issue 6):');
  for (const t of targets) parts.push(`  [${t.met === null ? '?' : t.met ? 'met' : 'NOT met'}] ${t.target}: ${t.measured}`);
  const breakdown = ctx.details['commands'] as Record<string, { perJob: Record<string, number>; clientPerJob?: number; scriptPerJob?: number }> | undefined;
  if (breakdown) {
    parts.push('', 'Redis commands per processed job (INFO commandstats, concurrency 8, incl. inside scripts):');
    for (const [system, entry] of Object.entries(breakdown)) {
      const top = Object.entries(entry.perJob).slice(0, 14).map(([name, v]) => `${name} ${v.toFixed(2)}`);
      parts.push(`  ${system.padEnd(9)} ${top.join(', ')}`);
    }
  }
  return parts.join('\n');
}
