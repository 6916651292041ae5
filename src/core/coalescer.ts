interface Waiting<In, Out> {
  item: In;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the calls made within one turn of the event loop and runs them as one batch:
 * 200 concurrent enqueues become a few script calls instead of 200 round trips. A batch goes
 * out as soon as it holds `maxBatch` calls, so Redis works on it while Node prepares the next.
 */
export class Coalescer<In, Out> {
  private waiting: Waiting<In, Out>[] = [];

  private scheduled = false;

  constructor(
    private readonly runBatch: (items: In[]) => Promise<Out[]>,
    private readonly maxBatch = 64,
  ) {}

  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          void this.flush();
        });
      }
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length >= this.maxBatch) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    try {
      const results = await this.runBatch(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        const result = results[i];
        if (result === undefined) w.reject(new Error('batch returned fewer results than calls'));
        else w.resolve(result);
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}
