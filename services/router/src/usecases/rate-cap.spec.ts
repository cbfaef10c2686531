import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@notify/store';
import { takeRateSlot } from './rate-cap';

describe('takeRateSlot', () => {
  it('hands out at most max slots per user and window, even to concurrent callers, and a new window starts afresh', async () => {
    const { idempotency } = createMemoryStore();
    // Windows around the real clock: the store forgets a slot once its window has ended by the clock.
    const now = new Date();
    const nextWindow = new Date(Math.floor(now.getTime() / 86_400_000) * 86_400_000 + 86_400_000 + 1000);
    const results = await Promise.all(Array.from({ length: 6 }, () => takeRateSlot(idempotency, 'offers', 'alice', { max: 3, per: 'day' }, now)));
    expect(results.filter(Boolean)).toHaveLength(3);
    expect(await takeRateSlot(idempotency, 'offers', 'bob', { max: 3, per: 'day' }, now)).toBe(true);
    expect(await takeRateSlot(idempotency, 'other-rule', 'alice', { max: 3, per: 'day' }, now)).toBe(true);
    expect(await takeRateSlot(idempotency, 'offers', 'alice', { max: 3, per: 'day' }, nextWindow)).toBe(true);
  });
});
