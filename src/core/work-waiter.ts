import type { RedisConnection } from './connection.js';
import { sleep, type Signal } from './signal.js';

/**
 * A dry worker's wait for work: a blocking pop of the queue's marker (any enqueue or retry puts
 * it there), on a connection of its own, cut short by the worker's own wake-up signal.
 */
export class WorkWaiter {
  private blocking: Promise<unknown> | undefined;
  /** A blocking wait took the marker (new work) after the worker stopped waiting on it. */
  private markerSeen = false;

  constructor(
    private readonly blocker: RedisConnection,
    private readonly markerKey: string,
    private readonly wake: Signal,
  ) {}

  /** Resolves on new work, after `waitMs`, or at the worker's next wake-up, whichever is first. */
  async wait(waitMs: number): Promise<void> {
    // a wait that ended while the worker was busy elsewhere may have taken the marker: claim now
    if (this.markerSeen) {
      this.markerSeen = false;
      return;
    }
    if (waitMs < 5) {
      await sleep(5);
      return;
    }
    this.blocking ??= this.blocker
      .bzpopmin(this.markerKey, (waitMs / 1000).toFixed(3))
      .then(
        (popped) => {
          if (popped) this.markerSeen = true;
        },
        () => sleep(100),
      )
      .finally(() => {
        this.blocking = undefined;
        this.wake.fire();
      });
    await Promise.race([this.blocking, this.wake.wait()]);
    this.markerSeen = false;
  }
}
