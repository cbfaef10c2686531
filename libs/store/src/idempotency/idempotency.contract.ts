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
}
