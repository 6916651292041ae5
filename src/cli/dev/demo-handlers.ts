import type { HandlerMap, JobContext } from '../../core/handler.js';

/** Waits `ms`, or rejects when the job's signal aborts (timeout, cancel, shutdown). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function field<T>(payload: unknown, key: string, fallback: T): T {
  const value = (payload as Record<string, unknown> | null)?.[key];
  return value === undefined ? fallback : (value as T);
}

/**
 * Handlers of the example jobs `jobs dev --demo` enqueues. `jobs dev` always has them, so
 * demo jobs left in `.jobs/` (and the demo's cron schedule) still run on a later start.
 */
export const demoHandlers: HandlerMap = {
  /** Succeeds after a moment. */
  'demo-greet': async (payload: unknown, ctx: JobContext) => {
    await pause(200, ctx.signal);
    return { greeting: `hello, ${field(payload, 'name', 'world')}` };
  },
  /** Works for `ms` (default 1500) in five steps, reporting progress: shows as running. */
  'demo-resize': async (payload: unknown, ctx: JobContext) => {
    const ms = field(payload, 'ms', 1500);
    for (let step = 1; step <= 5; step += 1) {
      await pause(ms / 5, ctx.signal);
      await ctx.progress({ percent: step * 20 });
    }
    return { image: field(payload, 'image', 'photo.jpg'), width: field(payload, 'width', 640) };
  },
  /** Fails until attempt `succeedOn` (default 3), then succeeds: shows retrying. */
  'demo-flaky': (payload: unknown, ctx: JobContext) => {
    const succeedOn = field(payload, 'succeedOn', 3);
    if (ctx.attempt < succeedOn) throw new Error(`upstream timed out (attempt ${ctx.attempt}; succeeds on attempt ${succeedOn})`);
    return { delivered: true, attempts: ctx.attempt };
  },
  /** Always fails: after its attempts it lands in the dead-letter queue. */
  'demo-broken': (payload: unknown) => {
    throw new Error(`cannot charge card ${field(payload, 'card', '0000')}: card declined`);
  },
  /** What the demo's cron schedule runs every minute. */
  'demo-tick': () => ({ tickedAt: new Date().toISOString() }),
};
