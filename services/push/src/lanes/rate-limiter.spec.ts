import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('lets a burst through at once, then paces each key at its rate, keys independently', async () => {
    const limiter = new RateLimiter(100, 10);
    const started = performance.now();
    await limiter.acquire('fcm:shop', 10);
    expect(performance.now() - started).toBeLessThan(20);
    for (let i = 0; i < 20; i++) await limiter.acquire('fcm:shop');
    const paced = performance.now() - started;
    // 20 more at 100/s take about 200 ms.
    expect(paced).toBeGreaterThan(170);
    expect(paced).toBeLessThan(400);
    const other = performance.now();
    await limiter.acquire('apns:shop', 10);
    expect(performance.now() - other).toBeLessThan(20);
  });

  it('serves waiting callers in order and lets a request larger than the burst through once the bucket is full', async () => {
    const limiter = new RateLimiter(50, 5);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => limiter.acquire('k', 5).then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3]);
    await expect(limiter.acquire('k', 500)).resolves.toBeUndefined();
  });

  it('stays bounded over many keys: forgets idle refilled buckets, never one still paying off its burst', async () => {
    let now = 0;
    const limiter = new RateLimiter(10, 10, () => now);
    await limiter.acquire('busy', 10); // drained: refills over one second
    for (let i = 0; i < 3000; i++) await limiter.acquire(`app-${i}`);
    expect(limiter.size).toBeGreaterThan(1000);
    now = 500; // the app buckets are full again (1 of 10 used, 10/s); 'busy' is half full
    for (let i = 0; i < 1000; i++) await limiter.acquire(`later-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(1001);
    // 'busy' kept its state: 5 tokens now, so 6 must wait for the sixth.
    let got = false;
    const sixth = limiter.acquire('busy', 6).then(() => (got = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toBe(false);
    now = 600;
    await sixth;
  });
});
