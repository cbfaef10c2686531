interface Waiter {
  count: number;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Everything an emulator received, in arrival order, with a way to await a count. Keeps the
 * latest `limit` entries so a long-running emulator (embedded mode, benchmarks) stays bounded;
 * `total` still counts every request since the last clear.
 */
export class ReceivedLog<T> {
  private items: T[] = [];
  private waiters: Waiter[] = [];
  private count = 0;

  constructor(private readonly limit = 100_000) {}

  get all(): readonly T[] {
    return this.items;
  }

  get total(): number {
    return this.count;
  }

  add(item: T): void {
    this.count += 1;
    this.items.push(item);
    if (this.items.length > this.limit) this.items = this.items.slice(-Math.ceil(this.limit / 2));
    this.waiters = this.waiters.filter((waiter) => {
      if (this.count < waiter.count) return true;
      clearTimeout(waiter.timer);
      waiter.resolve();
      return false;
    });
  }

  /**
   * Resolves with the record once at least `count` requests have been received since the
   * last clear.
   * @example await apns.waitForReceived(500, { timeoutMs: 30_000 });
   */
  waitFor(count: number, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<readonly T[]> {
    if (this.count >= count) return Promise.resolve(this.items);
    return new Promise<readonly T[]>((resolve, reject) => {
      const waiter: Waiter = {
        count,
        resolve: () => resolve(this.items),
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} requests; received ${this.count}`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  clear(): void {
    this.items = [];
    this.count = 0;
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
