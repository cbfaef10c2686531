interface Bucket {
  tokens: number;
  updatedAt: number;
  queue: Promise<void>;
  /** Callers waiting or being served. */
  waiting: number;
}

/** Above this many buckets, idle full ones are forgotten (checked at most once per this many acquires). */
const BUCKETS_BEFORE_PRUNING = 1000;

/**
 * A token bucket per key (provider and app): the bulk lane sends at most `perSecond` pushes per key,
 * in bursts of up to `burst`. Waiting callers are served in order.
 *
 * Bounded: a bucket nobody waits on that has refilled to `burst` is exactly what a new one would be,
 * so once there are many buckets those are forgotten; what stays is the keys in use.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private acquiresSincePrune = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst = perSecond,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Resolves once `count` pushes for `key` may go out. */
  acquire(key: string, count = 1): Promise<void> {
    if (this.buckets.size > BUCKETS_BEFORE_PRUNING && ++this.acquiresSincePrune >= BUCKETS_BEFORE_PRUNING) this.prune();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: this.now(), queue: Promise.resolve(), waiting: 0 };
    this.buckets.set(key, bucket);
    bucket.waiting++;
    const turn = bucket.queue.then(async () => {
      for (;;) {
        const now = this.now();
        bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
        bucket.updatedAt = now;
        // A request larger than the burst waits for a full bucket and then goes, rather than never.
        const needed = Math.min(count, this.burst);
        if (bucket.tokens >= needed) {
          bucket.tokens -= needed;
          return;
        }
        await new Promise((r) => setTimeout(r, Math.ceil(((needed - bucket.tokens) / this.perSecond) * 1000)));
      }
    });
    bucket.queue = turn;
    return turn.finally(() => {
      bucket.waiting--;
    });
  }

  /** Buckets held (for the gauge). */
  get size(): number {
    return this.buckets.size;
  }

  private prune(): void {
    this.acquiresSincePrune = 0;
    const now = this.now();
    for (const [key, bucket] of this.buckets) {
      const tokens = bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond;
      if (bucket.waiting === 0 && tokens >= this.burst) this.buckets.delete(key);
    }
  }
}
