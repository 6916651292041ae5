import { CHAOS_WORKER, LineProcess } from '../../reliability/support/processes.js';

export interface PoolSettings {
  redisUrl: string;
  queue: string;
  ledgerKey: string;
  leaseMs: number;
  concurrency: number;
}

/** A job a killed worker had started but not yet recorded: the only place a duplicate may come from. */
export interface KillRecord {
  pid: number;
  at: number;
  inFlight: string[];
}

/** Worker processes (chaos-worker.mjs) in fixed slots, each SIGKILLable and restartable. */
export class WorkerPool {
  readonly slots: LineProcess[] = [];
  readonly kills: KillRecord[] = [];
  /** Every worker process ever started, for warnings and output checks. */
  readonly everStarted: LineProcess[] = [];

  constructor(
    private readonly settings: PoolSettings,
    size: number,
  ) {
    for (let i = 0; i < size; i += 1) this.slots.push(this.spawn());
  }

  private spawn(): LineProcess {
    const s = this.settings;
    const child = new LineProcess([CHAOS_WORKER], {
      REDIS_URL: s.redisUrl,
      QUEUE: s.queue,
      LEASE_MS: String(s.leaseMs),
      CONCURRENCY: String(s.concurrency),
      LEDGER_REDIS_URL: s.redisUrl,
      LEDGER_KEY: s.ledgerKey,
    });
    this.everStarted.push(child);
    return child;
  }

  /** Ids this process started whose outcome it had not reported as recorded. */
  static inFlight(child: LineProcess): string[] {
    const open = new Set<string>();
    for (const { value } of child.lines) {
      if (value.event === 'started') open.add(String(value.id));
      else if (value.event === 'attempt') open.delete(String(value.id));
    }
    return [...open];
  }

  /** SIGKILLs the worker in `slot`, records what it had in flight, and starts a new one there. */
  async killAndRestart(slot: number): Promise<KillRecord> {
    const victim = this.slots[slot];
    if (!victim) throw new Error(`no worker in slot ${slot}`);
    await victim.kill();
    const record: KillRecord = { pid: victim.pid, at: Date.now(), inFlight: WorkerPool.inFlight(victim) };
    this.kills.push(record);
    this.slots[slot] = this.spawn();
    return record;
  }

  /** Every id that was in flight in some killed worker. */
  killedInFlight(): Set<string> {
    return new Set(this.kills.flatMap((kill) => kill.inFlight));
  }

  /** Warning messages printed by any worker process. */
  warnings(): string[] {
    return this.everStarted.flatMap((child) =>
      child.lines.filter((line) => line.value.event === 'warning').map((line) => String(line.value.message)),
    );
  }

  /** Receive times of every recorded attempt, across all workers. */
  attemptTimes(): number[] {
    return this.everStarted.flatMap((child) =>
      child.lines.filter((line) => line.value.event === 'attempt').map((line) => line.receivedAt),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.everStarted.map((child) => child.kill()));
  }
}
