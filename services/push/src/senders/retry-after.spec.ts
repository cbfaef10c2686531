import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './retry-after';

describe('retryAfterMs', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('reads delay-seconds', () => {
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs(' 120 ', now)).toBe(120_000);
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs(['3', '9'], now)).toBe(3000);
  });

  it('reads an HTTP date as the time left until it, and a past one as 0', () => {
    expect(retryAfterMs('Thu, 01 Jan 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 11:59:00 GMT', now)).toBe(0);
  });

  it('answers undefined for an absent or unreadable value', () => {
    for (const value of [undefined, null, '', 'soon', '-5', '1.5', '5 minutes', 'Thu, 99 Foo 2026']) expect(retryAfterMs(value, now)).toBeUndefined();
  });
});
