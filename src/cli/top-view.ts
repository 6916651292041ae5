import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../core/duration.js';
import { BUCKET_MS, HISTORY_BUCKETS, type QueueView, type TopSnapshot } from './top-data.js';

export interface TopLayout {
  width: number;
  height: number;
  color: ChalkInstance;
  /** Index of the chosen queue in snapshot.queues. */
  selected: number;
  /** Shown in the title: where the data comes from. */
  source: string;
}

// A zero is a dot, so an idle stretch still shows the time axis.
const BARS = '·▁▂▃▄▅▆▇█';

/** A sparkline of `values` scaled to their maximum, one character each, the last `width` values. */
export function sparkline(values: readonly number[], width: number): string {
  const shown = values.slice(Math.max(0, values.length - width));
  const max = Math.max(0, ...shown);
  return shown
    .map((v) => (max === 0 || v <= 0 ? BARS[0] : BARS[Math.max(1, Math.round((v / max) * (BARS.length - 1)))]))
    .join('');
}

/** Visible length of a string, ignoring ANSI colour codes. */
function visible(text: string): number {
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}

function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const plain = text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
  return align === 'left' ? plain.padEnd(width) : plain.padStart(width);
}

function rateText(value: number | null): string {
  if (value === null) return '-';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function msText(value: number | null): string {
  return value === null ? '-' : formatDuration(value);
}

/** Columns of the queue table: header, width, alignment. */
const COLUMNS: [string, number, 'left' | 'right'][] = [
  ['QUEUE', 16, 'left'],
  ['PENDING', 8, 'right'],
  ['SCHED', 6, 'right'],
  ['RUNNING', 8, 'right'],
  ['RETRY', 6, 'right'],
  ['DLQ', 6, 'right'],
  ['SUCCESS', 8, 'right'],
  ['IN/s', 7, 'right'],
  ['OUT/s', 7, 'right'],
  ['P50', 7, 'right'],
  ['P95', 7, 'right'],
  ['OLDEST', 8, 'right'],
];

function queueRow(q: QueueView, chosen: boolean, c: ChalkInstance): string {
  const cells = [
    `${q.name}${q.paused ? ' ⏸' : ''}`,
    String(q.counts.pending),
    String(q.counts.scheduled),
    String(q.counts.running),
    String(q.counts.retrying),
    String(q.counts.failed),
    String(q.counts.success),
    rateText(q.inRate),
    rateText(q.outRate),
    msText(q.runTimes.p50Ms),
    msText(q.runTimes.p95Ms),
    q.oldestPendingAgeMs > 0 ? formatDuration(q.oldestPendingAgeMs) : '-',
  ];
  const text = cells.map((cell, i) => {
    const [, width, align] = COLUMNS[i] ?? ['', 8, 'right'];
    const padded = fit(cell, width, align);
    // The dead-letter queue is the number an operator must not miss.
    if (i === 5 && q.counts.failed > 0) return c.bgRed.white.bold(padded);
    if (i === 4 && q.counts.retrying > 0) return c.yellow(padded);
    if (i === 3 && q.counts.running > 0) return c.cyan(padded);
    return padded;
  });
  const line = `${chosen ? '›' : ' '} ${text.join(' ')}`;
  return chosen ? c.bold(line) : line;
}

/** The full screen as lines (without trailing newlines), cut to the layout's size. */
export function renderTop(snapshot: TopSnapshot, layout: TopLayout): string[] {
  const c = layout.color;
  const lines: string[] = [];
  const title = `jobs top  ${layout.source}  ${snapshot.time.toISOString().replace('T', ' ').slice(0, 19)}`;
  lines.push(c.bold(title) + c.gray('   q quit · ←/→ or tab: queue'));
  lines.push('');
  lines.push(c.gray(`  ${COLUMNS.map(([name, width, align]) => fit(name, width, align)).join(' ')}`));
  if (snapshot.queues.length === 0) lines.push('  no queues yet (a queue appears on its first enqueue or when a worker starts)');
  snapshot.queues.forEach((q, i) => lines.push(queueRow(q, i === layout.selected, c)));

  const chosen = snapshot.queues[layout.selected];
  if (chosen) {
    lines.push('');
    const sparkWidth = Math.max(10, Math.min(HISTORY_BUCKETS, layout.width - 40));
    const span = formatDuration(sparkWidth * BUCKET_MS);
    lines.push(`  ${c.bold(chosen.name)}  in  ${fit(rateText(chosen.inRate), 6, 'right')}/s  ${c.cyan(sparkline(chosen.inHistory, sparkWidth))}`);
    lines.push(`  ${' '.repeat(chosen.name.length)}  out ${fit(rateText(chosen.outRate), 6, 'right')}/s  ${c.green(sparkline(chosen.outHistory, sparkWidth))}  ${c.gray(`last ${span}`)}`);
    if (chosen.counts.failed > 0) {
      lines.push(c.red.bold(`  ${chosen.counts.failed} job${chosen.counts.failed === 1 ? '' : 's'} in the dead-letter queue: jobs dlq list --queue ${chosen.name}`));
    }
  }

  const now = snapshot.time.getTime();
  lines.push('');
  lines.push(c.bold(`WORKERS (${snapshot.workers.length} live)`));
  if (snapshot.workers.length === 0) {
    lines.push(c.gray('  none: start one with `jobs worker`'));
  } else {
    lines.push(c.gray(`  ${fit('HOST', 20)} ${fit('PID', 8, 'right')} ${fit('QUEUE', 16)} ${fit('BUSY', 7, 'right')} ${fit('UPTIME', 9, 'right')} ${fit('HEARTBEAT', 10, 'right')}`));
    for (const w of snapshot.workers) {
      const heartbeat = `${formatDuration(Math.max(0, now - w.lastHeartbeatAt.getTime()))} ago`;
      const busy = fit(`${w.busy}/${w.concurrency}`, 7, 'right');
      lines.push(
        `  ${fit(w.host, 20)} ${fit(String(w.pid), 8, 'right')} ${fit(w.queue, 16)} ${w.busy > 0 ? c.cyan(busy) : busy} ` +
          `${fit(formatDuration(Math.max(0, now - w.startedAt.getTime())), 9, 'right')} ${fit(heartbeat, 10, 'right')}`,
      );
    }
  }

  lines.push('');
  lines.push(c.bold(`RUNNING${snapshot.runningQueue ? ` (${snapshot.runningQueue})` : ''}`));
  if (snapshot.running.length === 0) {
    lines.push(c.gray('  no running jobs'));
  } else {
    lines.push(c.gray(`  ${fit('ID', 12)} ${fit('TYPE', 20)} ${fit('ATTEMPT', 8, 'right')} ${fit('RUNNING FOR', 12, 'right')}  PROGRESS`));
    for (const job of snapshot.running) {
      const runningFor = job.startedAt ? formatDuration(Math.max(0, now - job.startedAt.getTime())) : '-';
      const progress = job.progress === null ? '' : JSON.stringify(job.progress);
      lines.push(
        `  ${fit(job.id, 12)} ${fit(job.type, 20)} ${fit(`${job.attempts}/${job.maxAttempts}`, 8, 'right')} ${fit(runningFor, 12, 'right')}  ${fit(progress, 30)}`,
      );
    }
  }
  return lines.slice(0, layout.height).map((line) => clip(line, layout.width));
}

/** Cuts a line to the terminal width, counting only visible characters. */
function clip(line: string, width: number): string {
  if (visible(line) <= width) return line;
  let out = '';
  let shown = 0;
  for (let i = 0; i < line.length && shown < width; ) {
    const escape = /^\x1b\[[0-9;]*m/.exec(line.slice(i));
    if (escape) {
      out += escape[0];
      i += escape[0].length;
      continue;
    }
    out += line[i];
    shown += 1;
    i += 1;
  }
  return out.includes('\x1b[') ? `${out}\x1b[0m` : out;
}
