import { describe, expect, it } from 'vitest';
import { backoffDelay } from './deliver-push';

describe('backoffDelay', () => {
  const policy = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000 };
  it('doubles per attempt up to the maximum, jittered within the upper half', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3].map((a) => backoffDelay(a, policy, () => 0))).toEqual([50, 100, 200]);
    const spread = new Set(Array.from({ length: 100 }, () => backoffDelay(3, policy)));
    expect(spread.size).toBeGreaterThan(30);
  });
});
