import { nextTick } from './cron-time.js';
import { JobsError, ScheduleExistsError, ScheduleNotFoundError } from './errors.js';
import { QueueHandle, type QueueConnectionOptions } from './handle.js';
import { scheduleHistoryKey } from './keys.js';
import { redisTime } from './redis-time.js';
import type { Queue } from './queue.js';
import { fireSchedule } from './schedule-fire.js';
import {
  buildDefinition,
  parseDefinition,
  specOf,
  validateScheduleName,
  type ScheduleSpec,
  type StoredSchedule,
} from './schedule-spec.js';

/** A schedule as read back: its definition and when it runs next. */
export interface Schedule extends Omit<StoredSchedule, 'createdAt' | 'updatedAt'> {
  name: string;
  queue: string;
  /** Next tick in UTC; null when paused or the expression never fires again. */
  nextRunAt: Date | null;
  /** The job of the last fire (or trigger), if any. */
  lastJobId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One entry of a schedule's history, newest first. */
export interface ScheduleFire {
  /** The tick (for `triggered`: the time of the trigger). */
  tick: Date;
  /** When the scheduler handled it. */
  at: Date;
  /**
   * `fired` a job was enqueued; `triggered` by hand; `skipped` by the overlap policy (jobId: the
   * run still in progress); `queued` held by queue-one until the running one ends; `missed`
   * ticks from `missedFrom` to `tick` dropped by the misfire policy.
   */
  outcome: 'fired' | 'triggered' | 'skipped' | 'queued' | 'missed';
  jobId: string | null;
  missedFrom?: Date;
}

export interface SchedulesOptions extends QueueConnectionOptions {
  /**
   * The clock (epoch ms) next runs are computed from. Default: the Redis server's clock, so a
   * client whose clock is off neither skips ticks nor schedules a first run in the past. Tests
   * inject one.
   */
  now?: () => number;
}

/** Where a Schedules or Scheduler works: a queue name, an open Queue, or a QueueHandle. */
export type ScheduleTarget = string | Pick<Queue, 'handle'> | QueueHandle;

export function openTarget(target: ScheduleTarget, options: QueueConnectionOptions, role: 'client' | 'worker'): { handle: QueueHandle; owned: boolean } {
  if (typeof target === 'string') return { handle: new QueueHandle(target, options, role), owned: true };
  if (target instanceof QueueHandle) return { handle: target, owned: false };
  return { handle: target.handle, owned: false };
}

const MAX_RETRIES = 10;

/** Cron schedules of one queue: stored in Redis, fired by every running Worker. */
export class Schedules {
  readonly handle: QueueHandle;
  private readonly owned: boolean;
  private readonly injectedClock: (() => number) | undefined;

  constructor(queue: ScheduleTarget, options: SchedulesOptions = {}) {
    ({ handle: this.handle, owned: this.owned } = openTarget(queue, options, 'client'));
    this.injectedClock = options.now;
  }

  /** Now, in epoch ms: Redis's clock unless one was injected. */
  private async now(): Promise<number> {
    return this.injectedClock ? this.injectedClock() : redisTime(this.handle);
  }

  /**
   * Adds a schedule. An invalid expression, zone or option throws ValidationError and stores
   * nothing; an existing name throws ScheduleExistsError unless `{ update: true }`.
   */
  async add(name: string, spec: ScheduleSpec, options: { update?: boolean } = {}): Promise<Schedule> {
    validateScheduleName(name);
    buildDefinition(spec, 0); // checks the spec before any read
    if (options.update && (await this.read(name))) return this.change(name, () => spec);
    const now = await this.now();
    return this.write(name, buildDefinition(spec, now), 'add', null, now);
  }

  /**
   * Changes some fields of a schedule and keeps the others; the next run is kept unless the
   * timing changed. `patch` may be a function of the current definition (e.g. to merge job
   * options), applied again if the schedule changed meanwhile.
   */
  async update(name: string, patch: Partial<ScheduleSpec> | ((current: ScheduleSpec) => Partial<ScheduleSpec>)): Promise<Schedule> {
    return this.change(name, (spec) => ({ ...spec, ...(typeof patch === 'function' ? patch(spec) : patch) }));
  }

  /** Stops firing; history and definition stay. */
  async pause(name: string): Promise<Schedule> {
    return this.change(name, (spec) => ({ ...spec, paused: true }));
  }

  /** Fires again from the next tick after now (ticks during the pause are not caught up). */
  async resume(name: string): Promise<Schedule> {
    return this.change(name, (spec) => ({ ...spec, paused: false }));
  }

  /** Deletes the schedule, its history and state. Jobs it already created stay. */
  async remove(name: string): Promise<void> {
    const k = this.handle.keys;
    const replies = await this.handle.call((r) =>
      r
        .multi()
        .hdel(k.schedules, name)
        .zrem(k.scheduleDue, name)
        .zrem(k.scheduleWaiting, name)
        .hdel(k.scheduleState, `${name}:last`, `${name}:queued`)
        .del(scheduleHistoryKey(k, name))
        .exec(),
    );
    if (Number(replies?.[0]?.[1] ?? 0) === 0) throw new ScheduleNotFoundError(name, this.handle.name);
  }

  async get(name: string): Promise<Schedule> {
    const current = await this.read(name);
    if (!current) throw new ScheduleNotFoundError(name, this.handle.name);
    const k = this.handle.keys;
    const [due, last] = await this.handle.call((r) =>
      Promise.all([r.zscore(k.scheduleDue, name), r.hget(k.scheduleState, `${name}:last`)]),
    );
    return this.view(name, current.stored, due, last);
  }

  /** All schedules of the queue, by name. */
  async list(): Promise<Schedule[]> {
    const k = this.handle.keys;
    const [all, due] = await this.handle.call((r) =>
      Promise.all([r.hgetall(k.schedules), r.zrange(k.scheduleDue, 0, -1, 'WITHSCORES')]),
    );
    const names = Object.keys(all).sort();
    if (names.length === 0) return [];
    const lasts = await this.handle.call((r) => r.hmget(k.scheduleState, ...names.map((n) => `${n}:last`)));
    const dueBy = new Map<string, string>();
    for (let i = 0; i + 1 < due.length; i += 2) dueBy.set(due[i] ?? '', due[i + 1] ?? '');
    return names.map((name, i) => this.view(name, parseDefinition(all[name] ?? '{}'), dueBy.get(name) ?? null, lasts[i] ?? null));
  }

  /** The schedule's recent fires, newest first. */
  async history(name: string, limit = 50): Promise<ScheduleFire[]> {
    const k = this.handle.keys;
    const [exists, entries] = await this.handle.call((r) =>
      Promise.all([r.hexists(k.schedules, name), r.lrange(scheduleHistoryKey(k, name), 0, Math.max(0, limit - 1))]),
    );
    if (!exists) throw new ScheduleNotFoundError(name, this.handle.name);
    return entries.map(decodeFire);
  }

  /** Enqueues the schedule's job now, whatever its policies and paused flag; the next run is unchanged. */
  async trigger(name: string): Promise<{ jobId: string; at: Date }> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt += 1) {
      const current = await this.read(name);
      if (!current) throw new ScheduleNotFoundError(name, this.handle.name);
      const now = await this.now();
      const result = await fireSchedule(this.handle, name, current.json, { mode: 'trigger' }, now);
      if (result.status === 'not-found') throw new ScheduleNotFoundError(name, this.handle.name);
      const jobId = result.status === 'ok' ? result.ticks[0]?.jobId : undefined;
      if (jobId) return { jobId, at: new Date(now) };
    }
    throw new JobsError('INVALID_STATE', `schedule "${name}" kept changing; trigger it again`);
  }

  async close(): Promise<void> {
    if (this.owned) await this.handle.close();
  }

  private async read(name: string): Promise<{ json: string; stored: StoredSchedule } | null> {
    const json = await this.handle.call((r) => r.hget(this.handle.keys.schedules, name));
    return json === null ? null : { json, stored: parseDefinition(json) };
  }

  private async change(name: string, edit: (spec: ScheduleSpec) => ScheduleSpec): Promise<Schedule> {
    validateScheduleName(name);
    for (let attempt = 0; attempt < MAX_RETRIES; attempt += 1) {
      const current = await this.read(name);
      if (!current) throw new ScheduleNotFoundError(name, this.handle.name);
      const now = await this.now();
      const next = buildDefinition(edit(specOf(current.stored)), now, current.stored.createdAt);
      try {
        return await this.write(name, next, 'update', current, now);
      } catch (error) {
        if (!(error instanceof StaleWrite)) throw error;
      }
    }
    throw new JobsError('INVALID_STATE', `schedule "${name}" kept changing; try again`);
  }

  private async write(
    name: string,
    stored: StoredSchedule,
    mode: 'add' | 'update',
    current: { json: string; stored: StoredSchedule } | null,
    now: number,
  ): Promise<Schedule> {
    const k = this.handle.keys;
    const next = stored.paused ? null : nextTick(stored.cron, stored.timezone, now);
    const prev = current?.stored;
    const sameTiming = prev !== undefined && !prev.paused && prev.cron === stored.cron && prev.timezone === stored.timezone;
    const json = JSON.stringify(stored);
    await this.handle.register();
    const reply = (await this.handle.script(
      'schedule_save',
      [k.schedules, k.scheduleDue],
      [name, json, mode, current?.json ?? '', next ?? -1, sameTiming ? '1' : '0'],
    )) as string[];
    if (reply[0] === 'EXISTS') throw new ScheduleExistsError(name, this.handle.name);
    if (reply[0] === 'NOT_FOUND') throw new ScheduleNotFoundError(name, this.handle.name);
    if (reply[0] === 'STALE') throw new StaleWrite();
    return this.get(name);
  }

  private view(name: string, stored: StoredSchedule, due: string | null, lastJobId: string | null): Schedule {
    const { createdAt, updatedAt, ...definition } = stored;
    return {
      name,
      queue: this.handle.name,
      ...definition,
      nextRunAt: due === null ? null : new Date(Number(due)),
      lastJobId,
      createdAt: new Date(createdAt),
      updatedAt: new Date(updatedAt),
    };
  }
}

class StaleWrite extends Error {}

function decodeFire(entry: string): ScheduleFire {
  const raw = JSON.parse(entry) as { tick: number; at: number; outcome: ScheduleFire['outcome']; jobId: string | null; from?: number };
  const fire: ScheduleFire = { tick: new Date(raw.tick), at: new Date(raw.at), outcome: raw.outcome, jobId: raw.jobId };
  if (raw.from !== undefined) fire.missedFrom = new Date(raw.from);
  return fire;
}
