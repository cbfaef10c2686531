/**
 * A token bucket per key (provider and app): the bulk lane sends at most `perSecond` pushes per key,
 * in bursts of up to `burst`. Waiting callers are served in order.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number; queue: Promise<void> }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst = perSecond,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Resolves once `count` pushes for `key` may go out. */
  acquire(key: string, count = 1): Promise<void> {
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: this.now(), queue: Promise.resolve() };
    this.buckets.set(key, bucket);
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
    return turn;
  }
}
