import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const options = { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 };

  it('doubles per attempt up to the maximum', () => {
    const middle = () => 0.5;
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, options, middle))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads each delay by the jitter share', () => {
    expect(backoffDelay(2, options, () => 0)).toBe(200);
    expect(backoffDelay(2, options, () => 1)).toBe(600);
    const delays = Array.from({ length: 200 }, () => backoffDelay(1, options));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...delays)).toBeLessThanOrEqual(300);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});
