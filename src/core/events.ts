import type { RedisConnection } from './connection.js';
import { ValidationError } from './errors.js';
import type { QueueHandle } from './handle.js';

export const EVENT_NAMES = [
  'enqueued',
  'started',
  'succeeded',
  'failed',
  'retrying',
  'dead-lettered',
  'cancelled',
  'stalled',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** One state change, written by the same Lua script that made it. */
export interface JobEvent {
  /** Stream entry id; pass it as `after` to resume. */
  streamId: string;
  time: Date;
  event: EventName;
  jobId: string;
  queue: string;
  type: string | null;
  attempt: number | null;
  error: string | null;
  /** For `retrying`: when the next attempt is due. */
  dueAt: Date | null;
}

export const DEFAULT_EVENTS_CAP = 10_000;

type StreamEntry = [id: string, fields: string[]];

function decode(queue: string, [streamId, fields]: StreamEntry): JobEvent {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i] ?? '', fields[i + 1] ?? '');
  const attempt = f.get('a');
  const due = f.get('due');
  return {
    streamId,
    time: new Date(Number(streamId.split('-')[0])),
    event: (f.get('e') ?? 'enqueued') as EventName,
    jobId: f.get('id') ?? '',
    queue,
    type: f.get('t') || null,
    attempt: attempt === undefined ? null : Number(attempt),
    error: f.get('err') ?? null,
    dueAt: due === undefined ? null : new Date(Number(due)),
  };
}

/**
 * The event stream of one queue: a capped Redis stream, off by default. When off, scripts
 * pay one HGET per call and write nothing.
 */
export class QueueEvents {
  constructor(private readonly handle: QueueHandle) {}

  /** Turns events on, keeping about `cap` of the newest. */
  async enable(cap = DEFAULT_EVENTS_CAP): Promise<void> {
    if (!Number.isInteger(cap) || cap < 1) throw new ValidationError('events cap must be a positive whole number');
    await this.handle.register();
    await this.handle.call((r) => r.hset(this.handle.keys.meta, 'events', String(cap)));
  }

  async disable(): Promise<void> {
    await this.handle.call((r) => r.hdel(this.handle.keys.meta, 'events'));
  }

  async enabled(): Promise<boolean> {
    const cap = await this.handle.call((r) => r.hget(this.handle.keys.meta, 'events'));
    return Number(cap ?? 0) > 0;
  }

  /** Stored events, oldest first: since a time (default: all kept), at most `count`. */
  async read(options: { sinceMs?: number; after?: string; count?: number } = {}): Promise<JobEvent[]> {
    const start = options.after ? `(${options.after}` : options.sinceMs !== undefined ? String(options.sinceMs) : '-';
    const entries = (await this.handle.call((r) =>
      r.xrange(this.handle.keys.events, start, '+', 'COUNT', options.count ?? 1000),
    )) as StreamEntry[];
    return entries.map((entry) => decode(this.handle.name, entry));
  }

  /**
   * Yields events as they are written, after `after` (default: only new ones), blocking on
   * Redis on a connection of its own until `signal` aborts.
   */
  async *follow(options: { after?: string; signal?: AbortSignal } = {}): AsyncGenerator<JobEvent> {
    const reader: RedisConnection = this.handle.openBlockingConnection();
    const stop = (): void => reader.disconnect();
    options.signal?.addEventListener('abort', stop, { once: true });
    let last = options.after ?? '$';
    try {
      while (!options.signal?.aborted) {
        const reply = (await reader
          .xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', this.handle.keys.events, last)
          .catch((error: unknown) => {
            if (options.signal?.aborted) return null;
            throw error;
          })) as [string, StreamEntry[]][] | null;
        for (const entry of reply?.[0]?.[1] ?? []) {
          last = entry[0];
          yield decode(this.handle.name, entry);
        }
      }
    } finally {
      options.signal?.removeEventListener('abort', stop);
      reader.disconnect();
    }
  }
}
