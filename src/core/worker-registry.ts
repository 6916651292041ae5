import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ValidationError } from './errors.js';
import type { QueueHandle } from './handle.js';
import { workerKey } from './keys.js';

/** How a worker announces itself to `jobs workers` and `jobs top`. */
export interface WorkerRegistrationOptions {
  /** Time between refreshes of the worker's entry, in ms. Default 10,000 (one SET; an SADD too every sixth). */
  heartbeatMs?: number;
  /**
   * An entry not refreshed for this long expires in Redis and drops out of listings (a
   * SIGKILLed worker disappears after it), in ms. Default 30,000; at least twice heartbeatMs.
   */
  timeoutMs?: number;
  /**
   * When the number of busy slots changes, the entry is written again within about this long
   * (and at most once per this long), so listings show it without waiting for the heartbeat, in
   * ms. Default 1,000: an idle worker writes nothing more, a busy one at most one SET a second.
   */
  busyUpdateMs?: number;
}

export const DEFAULT_WORKER_HEARTBEAT_MS = 10_000;
export const DEFAULT_BUSY_UPDATE_MS = 1000;
export const DEFAULT_WORKER_TIMEOUT_MS = 30_000;
const RE_ADD_EVERY = 6;

/** A worker as listings show it. */
export interface LiveWorker {
  /** `<host>:<pid>:<random>`, unique per Worker instance. */
  id: string;
  queue: string;
  host: string;
  pid: number;
  concurrency: number;
  /** Jobs running, as of the last write (a change is written within about a second). */
  busy: number;
  startedAt: Date;
  lastHeartbeatAt: Date;
}

/** The JSON stored in a worker's entry. */
interface StoredWorker {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  busy: number;
  startedAt: number;
  heartbeatAt: number;
}

/**
 * One worker's entry in its queue's worker set. The entry is a key with a TTL, so Redis
 * itself forgets a worker that stopped refreshing it, whatever the clocks of the hosts say.
 */
export class WorkerRegistration {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly heartbeatMs: number;
  private readonly timeoutMs: number;
  private readonly busyUpdateMs: number;
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private busyTimer: NodeJS.Timeout | undefined;
  private started = false;
  private writing: Promise<void> | undefined;
  private beats = 0;
  private writtenBusy = 0;
  private writtenAt = 0;

  constructor(
    private readonly handle: QueueHandle,
    private readonly concurrency: number,
    private readonly busy: () => number,
    options: WorkerRegistrationOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_WORKER_HEARTBEAT_MS;
    this.timeoutMs = options.timeoutMs ?? Math.max(DEFAULT_WORKER_TIMEOUT_MS, 3 * this.heartbeatMs);
    this.busyUpdateMs = options.busyUpdateMs ?? DEFAULT_BUSY_UPDATE_MS;
    if (!Number.isInteger(this.busyUpdateMs) || this.busyUpdateMs < 0) {
      throw new ValidationError('registration.busyUpdateMs must be a whole number of at least 0');
    }
    if (!Number.isInteger(this.heartbeatMs) || this.heartbeatMs < 50) {
      throw new ValidationError('registration.heartbeatMs must be a whole number of at least 50');
    }
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs < 2 * this.heartbeatMs) {
      throw new ValidationError('registration.timeoutMs must be at least twice registration.heartbeatMs');
    }
  }

  /** Writes the entry and keeps it fresh. Never throws: a worker runs without a listing entry. */
  async start(): Promise<void> {
    try {
      // Registering the queue lets `jobs workers` find a worker whose queue has no job yet.
      await this.handle.register();
      await this.handle.call((r) => r.multi().sadd(this.handle.keys.workers, this.id).set(...this.entry()).exec());
    } catch {
      // Redis trouble is reported by the worker's own loop; the next heartbeat retries.
    }
    this.timer ??= setInterval(() => void this.refresh(), this.heartbeatMs);
    this.timer.unref();
    this.started = true;
  }

  /**
   * The worker started or finished a job: the entry is written again within busyUpdateMs of the
   * last write (one timer at a time, so a busy worker writes at most once per busyUpdateMs and
   * an idle one not at all).
   */
  busyChanged(): void {
    if (!this.started || this.busyTimer) return;
    const wait = Math.max(0, this.busyUpdateMs - (Date.now() - this.writtenAt));
    this.busyTimer = setTimeout(() => {
      this.busyTimer = undefined;
      if (this.busy() === this.writtenBusy || this.handle.redis.status !== 'ready') return;
      void this.write(false);
    }, wait);
    this.busyTimer.unref();
  }

  /** Removes the entry at once, so a closed worker leaves listings without waiting for the timeout. */
  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.timer);
    clearTimeout(this.busyTimer);
    this.timer = undefined;
    this.busyTimer = undefined;
    // a write still on its way would bring the entry back after the delete
    await this.writing;
    // With Redis down, waiting to delete would only delay shutdown; the entry expires by itself.
    if (this.handle.redis.status !== 'ready') return;
    try {
      const k = this.handle.keys;
      await this.handle.call((r) => r.multi().srem(k.workers, this.id).del(workerKey(k, this.id)).exec());
    } catch {
      // The entry expires by itself.
    }
  }

  private refresh(): Promise<void> {
    this.beats += 1;
    // A lister forgets the id of an expired entry (a worker cut off from Redis past its
    // timeout); re-adding it every sixth beat brings such a worker back into listings.
    return this.write(this.beats % RE_ADD_EVERY === 0);
  }

  private write(reAdd: boolean): Promise<void> {
    // While Redis is down a write waits in the offline queue; do not pile more behind it.
    if (this.writing) return this.writing;
    const k = this.handle.keys;
    const sent = reAdd
      ? this.handle.call((r) => r.pipeline().set(...this.entry()).sadd(k.workers, this.id).exec())
      : this.handle.call((r) => r.set(...this.entry()));
    this.writing = sent.then(
      () => undefined,
      () => undefined, // retried at the next heartbeat
    ).finally(() => (this.writing = undefined));
    return this.writing;
  }

  private entry(): [key: string, value: string, px: 'PX', ttl: number] {
    this.writtenBusy = this.busy();
    this.writtenAt = Date.now();
    const stored: StoredWorker = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      concurrency: this.concurrency,
      busy: this.writtenBusy,
      startedAt: this.startedAt,
      heartbeatAt: Date.now(),
    };
    return [workerKey(this.handle.keys, this.id), JSON.stringify(stored), 'PX', this.timeoutMs];
  }
}

function decodeWorker(queue: string, json: string): LiveWorker | undefined {
  try {
    const w = JSON.parse(json) as Partial<StoredWorker>;
    if (typeof w.id !== 'string' || typeof w.pid !== 'number') return undefined;
    return {
      id: w.id,
      queue,
      host: String(w.host ?? ''),
      pid: w.pid,
      concurrency: Number(w.concurrency ?? 0),
      busy: Number(w.busy ?? 0),
      startedAt: new Date(Number(w.startedAt ?? 0)),
      lastHeartbeatAt: new Date(Number(w.heartbeatAt ?? 0)),
    };
  } catch {
    return undefined;
  }
}

/**
 * The live workers of one queue, oldest first: two commands (SMEMBERS, MGET), plus an SREM
 * that forgets the ids of expired entries.
 */
export async function listLiveWorkers(handle: QueueHandle): Promise<LiveWorker[]> {
  const k = handle.keys;
  const ids = await handle.call((r) => r.smembers(k.workers));
  if (ids.length === 0) return [];
  const entries = await handle.call((r) => r.mget(...ids.map((id) => workerKey(k, id))));
  const live: LiveWorker[] = [];
  const gone: string[] = [];
  ids.forEach((id, i) => {
    const json = entries[i];
    const worker = json ? decodeWorker(handle.name, json) : undefined;
    if (worker) live.push(worker);
    else gone.push(id);
  });
  if (gone.length > 0) await handle.call((r) => r.srem(k.workers, ...gone)).catch(() => undefined);
  return live.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.id.localeCompare(b.id));
}
