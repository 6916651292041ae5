import type { QueueHandle } from './handle.js';

export interface QueueCounts {
  /** Pending jobs that are due (ready to run). */
  pending: number;
  /** Pending jobs due later. */
  scheduled: number;
  running: number;
  retrying: number;
  success: number;
  failed: number;
  cancelled: number;
  paused: boolean;
}

/** Jobs per state, read in one transaction of O(1) commands. */
export async function readCounts(handle: QueueHandle): Promise<QueueCounts> {
  const k = handle.keys;
  const replies = await handle.call((r) =>
    r
      .multi()
      .llen(k.ready)
      .zcard(k.prio)
      .hget(k.meta, 'stale')
      .zcard(k.delayed)
      .zcard(k.active)
      .zcard(k.retry)
      .zcard(k.done)
      .zcard(k.dlq)
      .zcard(k.cancelled)
      .hget(k.meta, 'paused')
      .exec(),
  );
  const v = (replies ?? []).map(([, value]) => value);
  const n = (i: number): number => Number(v[i] ?? 0);
  return {
    // cancelled jobs left in the ready list are not pending
    pending: Math.max(0, n(0) + n(1) - n(2)),
    scheduled: n(3),
    running: n(4),
    retrying: n(5),
    success: n(6),
    failed: n(7),
    cancelled: n(8),
    paused: v[9] === '1',
  };
}
