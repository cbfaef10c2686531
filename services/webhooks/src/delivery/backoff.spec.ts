import { describe, expect, it } from 'vitest';
import { nextAttemptAt, retryDelay } from './backoff';

const policy = { initialMs: 1000, maxMs: 60_000, retryForMs: 24 * 3_600_000 };

describe('retry schedule', () => {
  it('doubles the ceiling per attempt up to the longest wait, and draws anywhere below it (full jitter)', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 30].map((attempts) => retryDelay(attempts, policy, () => 0.999999));
    expect(ceilings).toEqual([999, 1999, 3999, 7999, 15_999, 31_999, 59_999, 59_999, 59_999]);
    expect(retryDelay(3, policy, () => 0)).toBe(0);
    expect(retryDelay(3, policy, () => 0.5)).toBe(2000);
    expect(retryDelay(5000, policy, () => 0.5)).toBe(30_000);
  });

  it('spreads the retries of many deliveries over the whole window', () => {
    const delays = Array.from({ length: 2000 }, () => retryDelay(4, policy));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(8000);
    const firstHalf = delays.filter((d) => d < 4000).length;
    expect(firstHalf).toBeGreaterThan(800);
    expect(firstHalf).toBeLessThan(1200);
  });

  it('retries until the window ends, the last try at its end, then parks', () => {
    const from = new Date('2026-12-02T09:00:00Z');
    const at = (ms: number) => new Date(from.getTime() + ms);
    expect(nextAttemptAt(1, from, at(10), policy, () => 0.5)).toEqual(at(10 + 500));
    const nearEnd = at(policy.retryForMs - 100);
    expect(nextAttemptAt(9, from, nearEnd, policy, () => 0.5)).toEqual(at(policy.retryForMs));
    expect(nextAttemptAt(10, from, at(policy.retryForMs), policy, () => 0.5)).toBeNull();
  });
});
