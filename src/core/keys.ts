/**
 * Every Redis key of a queue is built here. All keys of one queue share the hash
 * tag `{queue}`, so every multi-key script runs on one Redis Cluster slot.
 */
export interface QueueKeys {
  /** Common prefix `<prefix>:{<queue>}:`; job hashes are `<base>j:<id>`, payloads `<base>p:<id>`, attempt histories `<base>h:<id>`. */
  readonly base: string;
  /** Counter for job ids. */
  readonly seq: string;
  /** List of ready job ids at priority 0, oldest at the head. */
  readonly ready: string;
  /** Zset of ready job ids with priority > 0; score orders higher priority first, then age. */
  readonly prio: string;
  /** Zset of pending jobs due in the future, by due time. */
  readonly delayed: string;
  /** Zset of retrying jobs, by due time. */
  readonly retry: string;
  /** Zset of running jobs, by lease deadline. */
  readonly active: string;
  /** Zset of succeeded jobs, by finish time (trimmed by retention). */
  readonly done: string;
  /** Zset of failed jobs (the dead-letter queue), by failure time. */
  readonly dlq: string;
  /** Zset of cancelled jobs, by cancel time (trimmed by retention). */
  readonly cancelled: string;
  /** Hash of queue flags and counters (paused, stale ready entries). */
  readonly meta: string;
  /** One-member zset that blocked workers wait on (BZPOPMIN); re-added when work appears. */
  readonly marker: string;
  /** Capped stream of state-change events. */
  readonly events: string;
  /** Pub/sub channel (not a key) on which a cancel request for a running job names its id. */
  readonly cancels: string;
  /** Hash of cron schedules by name. */
  readonly schedules: string;
  /** Zset of schedule names by next fire time. */
  readonly scheduleDue: string;
  /** Hash of schedule run state: `<name>:last` (last job id), `<name>:queued` (tick held by queue-one). */
  readonly scheduleState: string;
  /** Zset of schedule names holding a queue-one tick, by when to check their last run again. */
  readonly scheduleWaiting: string;
  /** Set of ids of workers registered on this queue (entries: see workerKey). */
  readonly workers: string;
}

export function queueKeys(prefix: string, queue: string): QueueKeys {
  const base = `${prefix}:{${queue}}:`;
  return {
    base,
    seq: `${base}seq`,
    ready: `${base}ready`,
    prio: `${base}prio`,
    delayed: `${base}delayed`,
    retry: `${base}retry`,
    active: `${base}active`,
    done: `${base}done`,
    dlq: `${base}dlq`,
    cancelled: `${base}cancelled`,
    meta: `${base}meta`,
    marker: `${base}marker`,
    events: `${base}events`,
    cancels: `${base}cancels`,
    schedules: `${base}schedules`,
    scheduleDue: `${base}schedule-due`,
    scheduleState: `${base}schedule-state`,
    scheduleWaiting: `${base}schedule-waiting`,
    workers: `${base}workers`,
  };
}

export function jobKey(keys: QueueKeys, id: string): string {
  return `${keys.base}j:${id}`;
}

/** List of a schedule's recent fires, newest first (JSON entries). */
export function scheduleHistoryKey(keys: QueueKeys, name: string): string {
  return `${keys.base}schedule-history:${name}`;
}

/** A live worker's entry (JSON), expiring unless its heartbeat refreshes it. */
export function workerKey(keys: QueueKeys, workerId: string): string {
  return `${keys.base}worker:${workerId}`;
}

/** A job's attempts that did not succeed, newest first, capped (JSON entries; see attempt-history.ts). */
export function historyKey(keys: QueueKeys, id: string): string {
  return `${keys.base}h:${id}`;
}

/** A job's payload (a string of its own, so the job hash stays a compact listpack). */
export function payloadKey(keys: QueueKeys, id: string): string {
  return `${keys.base}p:${id}`;
}

export function idempotencyKey(keys: QueueKeys, key: string): string {
  return `${keys.base}idem:${key}`;
}

/** Queues register here so `jobs queues` can list them without a SCAN. */
export function queueRegistryKey(prefix: string): string {
  return `${prefix}:queues`;
}
