/** What a long-running command does when asked to stop. */
export interface ShutdownHandlers {
  /** The first SIGINT or SIGTERM: stop gracefully. */
  graceful(signal: NodeJS.Signals): void;
  /** A second SIGINT (Ctrl-C pressed again): stop now. */
  forced(): void;
}

/** Listens for SIGINT/SIGTERM until disposed. */
export class ShutdownSignals {
  private received: NodeJS.Signals | undefined;
  private readonly listener = (signal: NodeJS.Signals): void => {
    if (this.received === undefined) {
      this.received = signal;
      this.handlers.graceful(signal);
    } else if (signal === 'SIGINT') {
      this.handlers.forced();
    }
  };

  constructor(private readonly handlers: ShutdownHandlers) {
    process.on('SIGINT', this.listener);
    process.on('SIGTERM', this.listener);
  }

  /** True once a first signal arrived. */
  get signalled(): boolean {
    return this.received !== undefined;
  }

  dispose(): void {
    process.off('SIGINT', this.listener);
    process.off('SIGTERM', this.listener);
  }
}
