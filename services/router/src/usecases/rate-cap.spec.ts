import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@notify/store';
import { RateSlots } from './rate-cap';

describe('RateSlots', () => {
  const cap = { max: 3, per: 'day' as const };
  const ask = (holder: string, extra: { userId?: string; ruleKey?: string; mayHoldOne?: boolean } = {}) => ({ ruleKey: extra.ruleKey ?? 'offers', userId: extra.userId ?? 'alice', holder, cap, ...(extra.mayHoldOne ? { mayHoldOne: true } : {}) });

  it('hands out at most max slots per user and window, even to concurrent routers, and a new window starts afresh', async () => {
    const { idempotency } = createMemoryStore();
    // Windows around the real clock: the store forgets a slot once its window has ended by the clock.
    const now = new Date();
    const nextWindow = new Date(Math.floor(now.getTime() / 86_400_000) * 86_400_000 + 86_400_000 + 1000);
    // Two routers (each with its own memory of where windows stand) race for alice's slots.
    const [a, b] = await Promise.all([new RateSlots(idempotency).take(['n1', 'n2', 'n3'].map((h) => ask(h)), now), new RateSlots(idempotency).take(['n4', 'n5', 'n6'].map((h) => ask(h)), now)]);
    expect([...a!, ...b!].filter(Boolean)).toHaveLength(3);
    const slots = new RateSlots(idempotency);
    expect(await slots.take([ask('n7', { userId: 'bob' }), ask('n8', { ruleKey: 'other-rule' }), ask('n9')], now)).toEqual([true, true, false]);
    expect(await slots.take([ask('n10')], nextWindow)).toEqual([true]);
  });

  it('gives a notification asking again the slot it already holds, never a second one', async () => {
    const { idempotency } = createMemoryStore();
    const now = new Date();
    const slots = new RateSlots(idempotency);
    expect(await slots.take([ask('n1'), ask('n2')], now)).toEqual([true, true]);
    // n2 is redelivered (a crash after its slot was taken): it finds its own slot, and one is still free.
    expect(await new RateSlots(idempotency).take([ask('n2', { mayHoldOne: true })], now)).toEqual([true]);
    expect(await slots.take([ask('n3'), ask('n4')], now)).toEqual([true, false]);
    expect(await slots.take([ask('n3', { mayHoldOne: true })], now)).toEqual([true]);
  });

  it('forgets the oldest windows beyond its bound, without changing any answer', async () => {
    const { idempotency } = createMemoryStore();
    const now = new Date();
    const slots = new RateSlots(idempotency, 2);
    for (const user of ['u1', 'u2', 'u3', 'u4']) expect(await slots.take([ask(`${user}-a`, { userId: user })], now)).toEqual([true]);
    expect(slots.size).toBe(2);
    // u1 was forgotten: it looks from slot 1 again, and still gets exactly the two slots left.
    expect((await slots.take([ask('u1-b', { userId: 'u1' }), ask('u1-c', { userId: 'u1' }), ask('u1-d', { userId: 'u1' })], now)).filter(Boolean)).toHaveLength(2);
  });
});
