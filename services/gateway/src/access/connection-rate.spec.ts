import { describe, expect, it } from 'vitest';
import { ConnectionRate } from './connection-rate';
import { UserConnectionLimit } from './user-connection-limit';

describe('ConnectionRate', () => {
  it('allows `limit` attempts per address per window, says when the window ends, and starts afresh after it', () => {
    let now = 1_000;
    const rate = new ConnectionRate(2, 60_000, () => now);
    expect(rate.take('a')).toEqual({ allowed: true });
    expect(rate.take('a')).toEqual({ allowed: true });
    expect(rate.take('b')).toEqual({ allowed: true });
    now += 10_000;
    expect(rate.take('a')).toEqual({ allowed: false, retryAfterMs: 50_000 });
    now += 50_000;
    expect(rate.take('a')).toEqual({ allowed: true });
  });

  it('does not limit with 0', () => {
    const rate = new ConnectionRate(0, 1000);
    for (let i = 0; i < 100; i++) expect(rate.take('a').allowed).toBe(true);
  });
});

describe('UserConnectionLimit', () => {
  it('holds at most `max` slots per user, and a release (even twice) gives one back', () => {
    const limit = new UserConnectionLimit(2);
    const first = limit.reserve('u')!;
    expect(limit.reserve('u')).toBeDefined();
    expect(limit.reserve('u')).toBeUndefined();
    expect(limit.reserve('v')).toBeDefined();
    first();
    first();
    expect(limit.of('u')).toBe(1);
    expect(limit.reserve('u')).toBeDefined();
    expect(limit.reserve('u')).toBeUndefined();
  });

  it('does not cap with 0', () => {
    const limit = new UserConnectionLimit(0);
    for (let i = 0; i < 100; i++) expect(limit.reserve('u')).toBeDefined();
  });
});
