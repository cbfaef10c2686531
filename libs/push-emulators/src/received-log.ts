interface Waiter {
  count: number;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** Everything an emulator received, in arrival order, with a way to await a count. */
export class ReceivedLog<T> {
  private readonly items: T[] = [];
  private waiters: Waiter[] = [];

  get all(): readonly T[] {
    return this.items;
  }

  add(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((waiter) => {
      if (this.items.length < waiter.count) return true;
      clearTimeout(waiter.timer);
      waiter.resolve();
      return false;
    });
  }

  /**
   * Resolves with the record once at least `count` requests have been received since the
   * last reset.
   * @example await apns.waitForReceived(500, { timeoutMs: 30_000 });
   */
  waitFor(count: number, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<readonly T[]> {
    if (this.items.length >= count) return Promise.resolve(this.items);
    return new Promise<readonly T[]>((resolve, reject) => {
      const waiter: Waiter = {
        count,
        resolve: () => resolve(this.items),
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} requests; received ${this.items.length}`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  clear(): void {
    this.items.length = 0;
  }

  /** Fails every pending wait, e.g. when the emulator stops. */
  abort(reason: string): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(reason));
    }
    this.waiters = [];
  }
}
