export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Splits a list into chunks of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Resolves after `count` calls of `tick`; rejects after `timeoutMs` with how far it got. */
export class Countdown {
  count = 0;
  readonly done: Promise<number>;
  private resolveDone!: (at: number) => void;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: number,
    timeoutMs: number,
    what: string,
  ) {
    this.done = new Promise<number>((resolve, reject) => {
      this.resolveDone = resolve;
      this.timer = setTimeout(() => reject(new Error(`${what}: only ${this.count} of ${target} after ${timeoutMs} ms`)), timeoutMs);
    });
  }

  tick(): void {
    this.count += 1;
    if (this.count === this.target) {
      clearTimeout(this.timer);
      this.resolveDone(performance.now());
    }
  }
}
