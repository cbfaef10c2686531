import { describe, expect, it } from 'vitest';
import { SUGGESTED_BUDGET, budgetIn, withBudget } from './budget';

describe('a rule’s daily budget in the console', () => {
  const definition = { match: { types: ['promo.*'] }, outcome: { priority: 'marketing', channels: { mode: 'push_only' } } };

  it('reads the budget of a definition, null without one', () => {
    expect(budgetIn(definition)).toBeNull();
    expect(budgetIn({ ...definition, outcome: { budget: { category: 'promotions', pushesPerDay: 2 } } })).toEqual({ category: 'promotions', pushesPerDay: 2 });
    expect(budgetIn('not a definition')).toBeNull();
  });

  it('sets, changes and removes the budget, leaving the rest of the definition as it was', () => {
    const set = withBudget(definition, SUGGESTED_BUDGET);
    expect(set).toEqual({ ...definition, outcome: { ...definition.outcome, budget: { category: 'promotions', pushesPerDay: 3, shedTo: 'inbox' } } });
    expect(budgetIn(withBudget(set, { ...budgetIn(set), pushesPerDay: 5, shedTo: 'digest' }))).toEqual({ category: 'promotions', pushesPerDay: 5, shedTo: 'digest' });
    expect(withBudget(set, null)).toEqual(definition);
    expect(withBudget({ match: {} }, { category: 'news', pushesPerDay: 1 })).toEqual({ match: {}, outcome: { budget: { category: 'news', pushesPerDay: 1 } } });
  });
});
