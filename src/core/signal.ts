/** A wake-up call: `wait()` resolves at the next `fire()`; fires before a wait are not lost. */
export class Signal {
  private pending = false;
  private waiters: (() => void)[] = [];

  fire(): void {
    const waiters = this.waiters;
    this.waiters = [];
    if (waiters.length === 0) this.pending = true;
    for (const resolve of waiters) resolve();
  }

  wait(): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
