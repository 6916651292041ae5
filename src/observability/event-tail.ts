import type { JobEvent } from '../core/events.js';
import type { Queue } from '../core/queue.js';

export interface TailOptions {
  /** Yield stored events from this time (epoch ms) first. Default: see tailEvents. */
  sinceMs?: number;
  /** Keep yielding new events until `signal` aborts. Default false. */
  follow?: boolean;
  signal?: AbortSignal;
  /** Called once the starting point is fixed: every event written after this call is yielded. */
  onReady?: () => void;
}

const PAGE = 1000;

/** The id of the newest entry of the queue's stream, or "0-0" when it has none. */
async function streamEnd(queue: Queue): Promise<string> {
  const newest = (await queue.handle.call((r) => r.xrevrange(queue.handle.keys.events, '+', '-', 'COUNT', 1))) as [string, string[]][];
  return newest[0]?.[0] ?? '0-0';
}

/**
 * Stored events then, with `follow`, live ones, with no gap and no repeat between the two
 * (the way `tail -f` behaves). Without `sinceMs`, stored events are all those kept when not
 * following, and none when following (only new ones, like `docker events`).
 */
export async function* tailEvents(queue: Queue, options: TailOptions = {}): AsyncGenerator<JobEvent> {
  // Fixed before reading history, so an event written meanwhile is read once, by one of the two.
  const end = options.follow ? await streamEnd(queue) : undefined;
  options.onReady?.();
  let last: string | undefined;
  const replay = options.sinceMs !== undefined || !options.follow;
  if (replay) {
    for (;;) {
      if (options.signal?.aborted) return;
      const page = await queue.events.read(
        last !== undefined ? { after: last, count: PAGE } : options.sinceMs !== undefined ? { sinceMs: options.sinceMs, count: PAGE } : { count: PAGE },
      );
      for (const event of page) {
        last = event.streamId;
        yield event;
      }
      if (page.length < PAGE) break;
    }
  }
  if (!options.follow || options.signal?.aborted) return;
  const after = last ?? end ?? '0-0';
  yield* queue.events.follow(options.signal ? { after, signal: options.signal } : { after });
}
