import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';

export function idempotencyContract(fixture: StoreFixture): void {
  const inOneHour = () => new Date(Date.now() + 3_600_000);

  it('lets exactly one of many concurrent claims win', async () => {
    const { idempotency } = fixture.store();
    const results = await Promise.all(Array.from({ length: 10 }, () => idempotency.claim('router:event', 'evt-1', inOneHour())));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await idempotency.claim('push:notification', 'evt-1', inOneHour())).toBe(true);
    expect(await idempotency.isClaimed('router:event', 'evt-1')).toBe(true);
    expect(await idempotency.isClaimed('router:event', 'evt-2')).toBe(false);
  });

  it('allows a claim again once released or expired, and sweeps expired claims', async () => {
    const { idempotency } = fixture.store();
    expect(await idempotency.claim('s', 'a', inOneHour())).toBe(true);
    await idempotency.release('s', 'a');
    expect(await idempotency.claim('s', 'a', inOneHour())).toBe(true);
    expect(await idempotency.claim('s', 'old', new Date(Date.now() - 1000))).toBe(true);
    expect(await idempotency.claim('s', 'old', inOneHour())).toBe(true);
    expect(await idempotency.claim('s', 'gone', new Date(Date.now() - 1000))).toBe(true);
    expect(await idempotency.sweepExpired(new Date())).toBe(1);
  });

  it('lets exactly one of many racing claims take over an expired claim', async () => {
    const { idempotency } = fixture.store();
    await idempotency.claim('s', 'k', new Date(Date.now() - 1000));
    const results = await Promise.all(Array.from({ length: 10 }, () => idempotency.claim('s', 'k', inOneHour())));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await idempotency.isClaimed('s', 'k')).toBe(true);
  });

  it('claims many keys at once: new keys are claimed, a holder asking again finds its own claim, others find it held', async () => {
    const { idempotency } = fixture.store();
    expect(await idempotency.claim('s', 'single', inOneHour())).toBe(true);
    await idempotency.claimMany('s', [{ key: 'expired', expiresAt: new Date(Date.now() - 1000), holder: 'old' }]);
    const first = await idempotency.claimMany('s', [
      { key: 'a', expiresAt: inOneHour(), holder: 'p0/1' },
      { key: 'b', expiresAt: inOneHour(), holder: 'p0/2' },
      { key: 'a', expiresAt: inOneHour(), holder: 'p0/3' },
      { key: 'single', expiresAt: inOneHour(), holder: 'p0/4' },
      { key: 'expired', expiresAt: inOneHour(), holder: 'p0/5' },
    ]);
    expect(first.map((o) => o.claimed)).toEqual([true, true, false, false, true]);
    expect(first[2]).toEqual({ claimed: false, holder: 'p0/1' });
    expect(first[0]).toEqual({ claimed: true, again: false });
    // Redelivered after a crash: the same holders get their claims back; a new holder does not.
    const again = await idempotency.claimMany('s', [
      { key: 'a', expiresAt: inOneHour(), holder: 'p0/1' },
      { key: 'b', expiresAt: inOneHour(), holder: 'p9/9' },
      { key: 'c', expiresAt: inOneHour(), holder: 'p0/6' },
    ]);
    expect(again).toEqual([{ claimed: true, again: true }, { claimed: false, holder: 'p0/2' }, { claimed: true, again: false }]);
    expect(await idempotency.isClaimed('s', 'c')).toBe(true);
    expect(await idempotency.claimMany('s', [])).toEqual([]);
  });

  it('tells who holds an unexpired claim, and no one for a free or expired key', async () => {
    const { idempotency } = fixture.store();
    await idempotency.claimMany('sender', [
      { key: 'evt-a', expiresAt: inOneHour(), holder: 'checkout' },
      { key: 'evt-old', expiresAt: new Date(Date.now() - 1000), holder: 'checkout' },
    ]);
    expect(await idempotency.holderOf('sender', 'evt-a')).toBe('checkout');
    expect(await idempotency.holderOf('other-scope', 'evt-a')).toBeNull();
    expect(await idempotency.holderOf('sender', 'evt-old')).toBeNull();
    expect(await idempotency.holderOf('sender', 'evt-never')).toBeNull();
  });
}
