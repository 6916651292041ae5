import type { QueueHandle } from './handle.js';
import { scheduleHistoryKey } from './keys.js';
import { jobFields, parseDefinition } from './schedule-spec.js';
import type { FirePlan } from './cron-time.js';

/** How long a queue-one tick waits before its last run is checked again, in ms. */
export const QUEUE_ONE_RECHECK_MS = 250;

/**
 * How long a fired tick's idempotency key is kept. The compare-and-set already makes each tick
 * fire once; the key is a second guard, kept short so an every-second schedule holds few keys.
 */
const SCHEDULE_IDEMPOTENCY_MS = 10 * 60 * 1000;

export type FireOutcome = 'fired' | 'skipped' | 'queued' | 'triggered';

export interface FiredTick {
  tick: number;
  outcome: FireOutcome;
  /** The job created, or for a skipped tick the run still in progress; null for queued. */
  jobId: string | null;
}

export type FireResult = { status: 'ok'; ticks: FiredTick[] } | { status: 'stale' } | { status: 'not-found' };

export type FireRequest =
  | { mode: 'tick'; due: number; plan: FirePlan }
  | { mode: 'trigger' }
  | { mode: 'release' };

/**
 * Runs the fire script for one schedule whose definition JSON the caller read. Returns 'stale'
 * when another worker fired first or the schedule changed meanwhile (nothing written).
 */
export async function fireSchedule(
  handle: QueueHandle,
  name: string,
  definitionJson: string,
  request: FireRequest,
  clock: number,
): Promise<FireResult> {
  const k = handle.keys;
  const stored = parseDefinition(definitionJson);
  const plan = request.mode === 'tick' ? request.plan : undefined;
  const ticks = plan?.ticks ?? [];
  const args: (string | number)[] = [
    k.base,
    name,
    request.mode,
    definitionJson,
    request.mode === 'tick' ? request.due : -1,
    plan?.next ?? -1,
    stored.overlap,
    stored.historyLimit,
    SCHEDULE_IDEMPOTENCY_MS,
    Math.floor(clock),
    QUEUE_ONE_RECHECK_MS,
    plan?.missed?.from ?? -1,
    plan?.missed?.to ?? -1,
    ...jobFields(stored),
    ticks.length,
    ...ticks,
  ];
  const keys = [
    k.seq,
    k.ready,
    k.prio,
    k.delayed,
    k.marker,
    k.schedules,
    k.scheduleDue,
    k.scheduleState,
    k.scheduleWaiting,
    scheduleHistoryKey(k, name),
  ];
  const reply = (await handle.script('fire', keys, args)) as (string | number)[];
  if (reply[0] === 'STALE') return { status: 'stale' };
  if (reply[0] === 'NOT_FOUND') return { status: 'not-found' };
  const fired: FiredTick[] = [];
  for (let i = 1; i + 2 < reply.length; i += 3) {
    const jobId = String(reply[i + 2] ?? '');
    fired.push({ tick: Number(reply[i]), outcome: String(reply[i + 1]) as FireOutcome, jobId: jobId === '' ? null : jobId });
  }
  return { status: 'ok', ticks: fired };
}
