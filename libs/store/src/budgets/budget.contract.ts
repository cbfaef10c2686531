import { expect, it } from 'vitest';
import type { StoreFixture } from '../store.contract';
import type { BudgetTake } from './budget.types';

const later = () => new Date(Date.now() + 86_400_000);
const ask = (notificationId: string, over: Partial<BudgetTake> = {}): BudgetTake => ({ userId: 'alice', day: '2026-12-02', budget: 'promotions', channel: 'push', notificationId, limit: 3, expiresAt: later(), ...over });

export function budgetContract(fixture: StoreFixture): void {
  it('counts units up to the limit, then refuses, in the order asked', async () => {
    const { budgets } = fixture.store();
    const outcomes = await budgets.take(['n1', 'n2', 'n3', 'n4', 'n5'].map((id) => ask(id)));
    expect(outcomes.map((o) => o.counted)).toEqual([true, true, true, false, false]);
    expect(outcomes[2]).toEqual({ counted: true, position: 3, again: false });
    expect(outcomes[3]).toEqual({ counted: false, spent: 3 });
    expect((await budgets.take([ask('n6')]))[0]).toEqual({ counted: false, spent: 3 });
    expect(await budgets.spent('alice', '2026-12-02')).toEqual([{ budget: 'promotions', channel: 'push', count: 3 }]);
  });

  it('lets a request without a limit pass when the budget is spent, and counts it', async () => {
    const { budgets } = fixture.store();
    await budgets.take(['n1', 'n2', 'n3'].map((id) => ask(id)));
    expect(await budgets.take([ask('otp', { limit: null }), ask('n4')])).toEqual([{ counted: true, position: 4, again: false }, { counted: false, spent: 4 }]);
    expect(await budgets.spent('alice', '2026-12-02')).toEqual([{ budget: 'promotions', channel: 'push', count: 4 }]);
  });

  it('uses the budget for what passes without a limit first', async () => {
    const { budgets } = fixture.store();
    const outcomes = await budgets.take([ask('otp', { limit: null }), ask('n1'), ask('n2'), ask('n3')]);
    expect(outcomes.map((o) => o.counted)).toEqual([true, true, true, false]);
  });

  it('gives a notification asked again its own unit, never a second one', async () => {
    const { budgets } = fixture.store();
    await budgets.take(['n1', 'n2'].map((id) => ask(id)));
    expect(await budgets.take([ask('n2', { mayHoldOne: true }), ask('n1', { mayHoldOne: true })])).toEqual([
      { counted: true, position: 2, again: true },
      { counted: true, position: 1, again: true },
    ]);
    await budgets.take([ask('n3')]);
    expect((await budgets.take([ask('n4', { mayHoldOne: true })]))[0]).toEqual({ counted: false, spent: 3 });
    expect(await budgets.spent('alice', '2026-12-02')).toEqual([{ budget: 'promotions', channel: 'push', count: 3 }]);
  });

  it('never hands out more than the limit to racing takers, and counts a notification racing itself once', async () => {
    const { budgets } = fixture.store();
    const racing = await Promise.all(Array.from({ length: 8 }, (_, i) => budgets.take([ask(`n${i}`, { limit: 5 }), ask('same', { limit: 5, mayHoldOne: true })])));
    // Five units: "same" holds one of them, whichever call counted it first.
    expect(racing.filter((pair) => pair[0]!.counted)).toHaveLength(4);
    const counted = await budgets.spent('alice', '2026-12-02');
    expect(counted).toEqual([{ budget: 'promotions', channel: 'push', count: 5 }]);
    const same = racing.map((pair) => pair[1]!);
    expect(same.every((o) => o.counted)).toBe(true);
    expect(new Set(same.map((o) => (o.counted ? o.position : 0))).size).toBe(1);
  });

  it('keeps users, days, budgets and channels apart', async () => {
    const { budgets } = fixture.store();
    const outcomes = await budgets.take([
      ask('a', { limit: 1 }),
      ask('b', { limit: 1, userId: 'bob' }),
      ask('c', { limit: 1, day: '2026-12-03' }),
      ask('d', { limit: 1, budget: 'news' }),
      ask('e', { limit: 1, channel: 'toast' }),
      ask('f', { limit: 1 }),
    ]);
    expect(outcomes.map((o) => o.counted)).toEqual([true, true, true, true, true, false]);
    expect(await budgets.spent('alice', '2026-12-02')).toEqual([
      { budget: 'news', channel: 'push', count: 1 },
      { budget: 'promotions', channel: 'push', count: 1 },
      { budget: 'promotions', channel: 'toast', count: 1 },
    ]);
    expect(await budgets.spent('carol', '2026-12-02')).toEqual([]);
  });

  it('forgets units past their expiry', async () => {
    const { budgets } = fixture.store();
    await budgets.take([ask('old', { expiresAt: new Date(Date.now() - 1000) }), ask('new')]);
    // Each counted notification is a unit and a holder fact.
    expect(await budgets.sweepExpired(new Date())).toBe(2);
    expect(await budgets.spent('alice', '2026-12-02')).toEqual([{ budget: 'promotions', channel: 'push', count: 1 }]);
  });
}
