import type { RedisConnection } from './connection.js';
import type { QueueHandle } from './handle.js';

/**
 * Hears cancel requests for running jobs as they are made: the cancel script publishes the
 * job's id on the queue's cancel channel. One subscribed connection per worker, and no command
 * at all while nobody cancels. Without the right to subscribe (an ACL user without pub/sub),
 * the worker warns once and learns of cancels from its heartbeat instead.
 */
export class CancelListener {
  private subscriber: RedisConnection | undefined;

  constructor(
    private readonly handle: QueueHandle,
    private readonly onCancel: (id: string) => void,
    private readonly warn: (message: string) => void,
  ) {}

  async start(): Promise<void> {
    const channel = this.handle.keys.cancels;
    const subscriber = this.handle.openBlockingConnection();
    this.subscriber = subscriber;
    subscriber.on('message', (from: string, id: string) => {
      if (from === channel) this.onCancel(id);
    });
    try {
      await subscriber.subscribe(channel);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.warn(`cannot subscribe to cancel requests (${reason}); a running job learns of its cancel at the next heartbeat instead`);
    }
  }

  stop(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}
