interface Waiting<In, Out> {
  item: In;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the calls made within one turn of the event loop and runs them as one batch:
 * 200 concurrent enqueues become one script call instead of 200 round trips.
 */
export class Coalescer<In, Out> {
  private waiting: Waiting<In, Out>[] = [];

  constructor(private readonly runBatch: (items: In[]) => Promise<Out[]>) {}

  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => void this.flush());
      this.waiting.push({ item, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
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
