import { planFire } from './cron-time.js';
import type { QueueConnectionOptions, QueueHandle } from './handle.js';
import { fireSchedule, type FiredTick } from './schedule-fire.js';
import { parseDefinition } from './schedule-spec.js';
import { openTarget, type ScheduleTarget } from './schedules.js';
import { Signal } from './signal.js';

export interface SchedulerOptions extends QueueConnectionOptions {
  /**
   * The clock (epoch ms) ticks are judged by. Default: the Redis server's clock, so workers on
   * machines whose clocks disagree still fire each tick on time. Tests inject one.
   */
  now?: () => number;
  /**
   * Longest sleep between passes, in ms (a schedule added meanwhile is seen by then). Default
   * 10,000: an idle worker then makes a scheduler round trip every 10 s, not every second.
   * Known schedules are fired on time whatever this is: a pass sleeps until the earliest.
   */
  maxSleepMs?: number;
  /** Called for each tick handled by this scheduler (fired, skipped, queued). */
  onFire?: (schedule: string, tick: FiredTick) => void;
  /** Called for trouble the scheduler survives (Redis down). */
  onWarning?: (message: string) => void;
}

/** Schedules looked at per pass; more due ones are handled by the next pass at once. */
const BATCH = 100;

/**
 * Fires the cron schedules of one queue. Every Worker runs one (no leader): each pass reads the
 * due schedules, computes their ticks and next runs, and fires them with a compare-and-set
 * script, so however many schedulers race, each tick yields exactly one job. Between passes it
 * sleeps until the earliest next run (at most `maxSleepMs`).
 */
export class Scheduler {
  readonly handle: QueueHandle;
  private readonly owned: boolean;
  private readonly options: SchedulerOptions;
  private readonly clock: (() => number) | undefined;
  private readonly wake = new Signal();
  private stopping = false;
  private running: Promise<void> | undefined;

  constructor(target: ScheduleTarget, options: SchedulerOptions = {}) {
    ({ handle: this.handle, owned: this.owned } = openTarget(target, options, 'worker'));
    this.options = options;
    this.clock = options.now;
  }

  start(): void {
    this.stopping = false;
    this.running ??= this.loop();
  }

  /** Stops after the pass in progress. Closes the connection only if the scheduler opened it. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake.fire();
    await this.running;
    this.running = undefined;
    if (this.owned) await this.handle.close();
  }

  /**
   * One pass: fires every due schedule and releases queue-one ticks whose run ended. Resolves
   * with how long (ms) nothing is due, or 0 when more may be due already.
   */
  async runOnce(): Promise<number> {
    const k = this.handle.keys;
    // The earliest entries of both zsets and Redis's clock, in one round trip; an entry is due
    // when its score is not after now.
    const replies = await this.handle.call((r) =>
      r.multi().zrange(k.scheduleDue, 0, BATCH - 1, 'WITHSCORES').zrange(k.scheduleWaiting, 0, BATCH - 1, 'WITHSCORES').time().exec(),
    );
    const [dueList, waitingList, time] = (replies ?? []).map(([, value]) => (value ?? []) as string[]);
    const now = this.clock ? this.clock() : Number(time?.[0]) * 1000 + Math.floor(Number(time?.[1]) / 1000);
    const dueAt = new Map<string, number>();
    const waiting = new Set<string>();
    let earliest = Infinity;
    const scan = (list: string[] | undefined, take: (name: string, at: number) => void): void => {
      for (let i = 0; i + 1 < (list ?? []).length; i += 2) {
        const at = Number(list?.[i + 1]);
        if (at <= now) take(list?.[i] ?? '', at);
        else earliest = Math.min(earliest, at);
      }
    };
    scan(dueList, (name, at) => dueAt.set(name, at));
    scan(waitingList, (name) => waiting.add(name));
    const names = [...new Set([...dueAt.keys(), ...waiting])];
    if (names.length > 0) {
      let failed = false;
      const definitions = await this.handle.call((r) => r.hmget(k.schedules, ...names));
      for (const [i, name] of names.entries()) {
        const json = definitions[i];
        if (json === null || json === undefined) {
          failed = true;
          continue;
        }
        try {
          const at = dueAt.get(name);
          if (at !== undefined) await this.fireDue(name, json, at, now);
          if (waiting.has(name)) await this.fire(name, json, { mode: 'release' }, now);
        } catch (error) {
          this.options.onWarning?.(`schedule "${name}" could not fire: ${error instanceof Error ? error.message : String(error)}`);
          failed = true;
        }
      }
      // More may be due already; after a failure, wait a moment rather than spin.
      return failed ? 1000 : 0;
    }
    return Math.max(0, earliest - now);
  }

  private async fireDue(name: string, json: string, due: number, now: number): Promise<void> {
    const stored = parseDefinition(json);
    const plan = planFire({
      expression: stored.cron,
      timezone: stored.timezone,
      due,
      now,
      misfire: stored.misfire,
      graceMs: stored.misfireGraceMs,
      maxCatchUp: stored.maxCatchUp,
    });
    await this.fire(name, json, { mode: 'tick', due, plan }, now);
  }

  private async fire(name: string, json: string, request: Parameters<typeof fireSchedule>[3], now: number): Promise<void> {
    const result = await fireSchedule(this.handle, name, json, request, now);
    if (result.status !== 'ok' || !this.options.onFire) return;
    for (const tick of result.ticks) this.options.onFire(name, tick);
  }

  /** Sleeps for `ms` or until stop(), leaving no timer behind. */
  private async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, ms))), this.wake.wait()]);
    clearTimeout(timer);
  }

  private async loop(): Promise<void> {
    const cap = this.options.maxSleepMs ?? 10_000;
    let failures = 0;
    while (!this.stopping) {
      let waitMs: number;
      try {
        waitMs = Math.min(cap, await this.runOnce());
        failures = 0;
      } catch (error) {
        failures += 1;
        this.options.onWarning?.(`scheduler pass failed (${error instanceof Error ? error.message : String(error)}); retrying`);
        waitMs = Math.min(100 * 2 ** failures, cap * 5);
      }
      if (waitMs > 0 && !this.stopping) await this.pause(waitMs);
    }
  }
}
