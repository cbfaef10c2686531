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
});
